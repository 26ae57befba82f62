// `family@version`: the one parser of a server's name.
import { describe, expect, it } from "vitest";
import { familyAndVersion, splitServerId } from "./server-id.ts";

describe("server ids", () => {
  it("splits family@version, trimmed", () => {
    expect(splitServerId("ejabberd@24.12")).toEqual({ family: "ejabberd", version: "24.12" });
    expect(splitServerId("  prosody@0.12.3 ")).toEqual({ family: "prosody", version: "0.12.3" });
  });

  it("no single @ with text on both sides, or a space inside: not an id", () => {
    for (const bad of ["prosody", "prosody@", "@13.0", "a@b@c", "pro sody@1", "prosody@1 2", ""]) expect(splitServerId(bad), bad).toBeUndefined();
  });

  it("what runs: the whole text is the family when there is no version", () => {
    expect(familyAndVersion("openfire@4.9.2")).toEqual({ family: "openfire", version: "4.9.2" });
    expect(familyAndVersion("ejabberd")).toEqual({ family: "ejabberd" });
  });
});
