// How a cell is named: its id and combination label, written out by hand.
import { describe, expect, it } from "vitest";
import { cellId, comboLabel, sided } from "./label.ts";

describe("cell labels", () => {
  it("a value both sides share is written once, else initiator→receiver", () => {
    expect(sided("on", "on")).toBe("on");
    expect(sided("on", "off")).toBe("on→off");
  });

  it("the combination: certificate, then dialback", () => {
    expect(comboLabel({ certificate: "server-only", dialback: "off" }, { certificate: "server-only", dialback: "off" })).toBe("server-only, dialback off");
    expect(comboLabel({ certificate: "server-only", dialback: "on" }, { certificate: "dual-eku", dialback: "off" })).toBe("server-only→dual-eku, dialback on→off");
  });

  it("the id: servers by name, then the combination", () => {
    expect(cellId({ server: "prosody@0.12.3", certificate: "server-only", dialback: "off" }, { server: "ejabberd@23.01", certificate: "server-only", dialback: "off" })).toBe(
      "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]",
    );
    expect(cellId({ server: "ours", certificate: "dual-eku", dialback: "on" }, { server: "prosody@13.0.7", certificate: "no-eku", dialback: "on" })).toBe("ours → prosody@13.0.7 [dual-eku→no-eku, dialback on]");
  });
});
