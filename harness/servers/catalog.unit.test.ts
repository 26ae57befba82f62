// The catalog: Debian builds and upstream images, one unique family@version each.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import {
  ADAPTERS,
  CATALOG,
  DEBIAN_ENTRIES,
  FAMILIES,
  findEntry,
  OPENFIRE_ENTRIES,
  parseServerId,
  resolveServer,
  serverKey,
  UPSTREAM_ENTRIES,
  upstreamImage,
  withUniqueKeys,
} from "./catalog.ts";
import type { CatalogEntry } from "./adapter.ts";

describe("catalog", () => {
  test("Debian entries first, then the upstream images", () => {
    expect(CATALOG.map(serverKey)).toEqual([
      "prosody@0.12.3",
      "prosody@13.0.1",
      "prosody@13.0.7",
      "prosody@13.0.8",
      "ejabberd@23.01",
      "ejabberd@24.12",
      "ejabberd@26.07",
      "jabberd2@2.7.0",
      "prosody@0.12",
      "prosody@13.0",
      "ejabberd@25.07",
      "ejabberd@25.08",
      "openfire@4.9.2",
      "openfire@5.0.2",
    ]);
    expect(CATALOG.slice(0, DEBIAN_ENTRIES.length).every((e) => e.source.kind === "debian")).toBe(true);
    expect(CATALOG.slice(DEBIAN_ENTRIES.length).every((e) => e.source.kind === "upstream")).toBe(true);
  });

  test("upstream images by name", () => {
    const images = Object.fromEntries(CATALOG.map((e) => [serverKey(e), upstreamImage(e)]));
    expect(images["prosody@13.0"]).toBe("prosodyim/prosody:13.0");
    expect(images["prosody@0.12"]).toBe("prosodyim/prosody:0.12");
    expect(images["ejabberd@25.07"]).toBe("ghcr.io/processone/ejabberd:25.07");
    expect(images["ejabberd@25.08"]).toBe("ghcr.io/processone/ejabberd:25.08");
    expect(images["openfire@4.9.2"]).toBe("ghcr.io/igniterealtime/openfire:v4.9.2");
    expect(images["prosody@13.0.7"]).toBeUndefined();
    for (const e of OPENFIRE_ENTRIES) expect(CATALOG).toContain(e);
  });

  test("users name them family@version", () => {
    expect(resolveServer("ejabberd@25.08").source).toEqual({ kind: "upstream", image: "ghcr.io/processone/ejabberd:25.08" });
    expect(findEntry("openfire@5.0.2")?.family).toBe("openfire");
    expect(() => resolveServer("prosody@13.0.9")).toThrow(/unknown server "prosody@13.0.9"; known servers: .*ejabberd@25.08, openfire@4.9.2.*, any ejabberd@<version>/);
  });

  test("an ejabberd version the catalog does not list resolves to its published image (upstream layout)", () => {
    expect(resolveServer("ejabberd@25.10")).toEqual({
      family: "ejabberd",
      version: "25.10",
      source: { kind: "upstream", image: "ghcr.io/processone/ejabberd:25.10" },
      note: "not in the catalog: the project's published image",
    });
    // Catalog entries win; a version that is no release tag resolves to nothing.
    expect(resolveServer("ejabberd@24.12").source.kind).toBe("debian");
    expect(findEntry("ejabberd@24.12+upstream")).toBeUndefined();
    expect(findEntry("openfire@5.0.9")).toBeUndefined();
  });

  test("keys are unique", () => {
    const keys = CATALOG.map(serverKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(UPSTREAM_ENTRIES.every((e) => e.source.kind === "upstream")).toBe(true);
  });

  test("a version both built from Debian and published upstream: Debian keeps the plain key, upstream gets +upstream", () => {
    const deb: CatalogEntry = { family: "prosody", version: "13.0.7", source: { kind: "debian", suite: "sid", package: "prosody", packageVersion: "13.0.7" } };
    const up: CatalogEntry = { family: "prosody", version: "13.0.7", source: { kind: "upstream", image: "prosodyim/prosody:13.0.7" } };
    const other: CatalogEntry = { family: "ejabberd", version: "25.08", source: { kind: "upstream", image: "x" } };
    const merged = withUniqueKeys([deb], [up, other]);
    expect(merged.map(serverKey)).toEqual(["prosody@13.0.7", "prosody@13.0.7+upstream", "ejabberd@25.08"]);
    expect(merged[1]!.source).toEqual(up.source);
    expect(() => withUniqueKeys([deb, deb], [])).toThrow(/"prosody@13.0.7" is listed twice/);
    expect(() => withUniqueKeys([], [other, other])).toThrow(/"ejabberd@25.08" is listed twice/);
  });
});

describe("family registry", () => {
  test("the families are the registered adapters', each with catalog entries", () => {
    expect(FAMILIES).toEqual(ADAPTERS.map((a) => a.family));
    for (const f of FAMILIES) expect(CATALOG.some((e) => e.family === f), f).toBe(true);
  });

  test("family@version parses for a registered family only", () => {
    expect(parseServerId(" ejabberd@24.12 ")).toEqual({ family: "ejabberd", version: "24.12" });
    expect(parseServerId("openfire@5.0.2")).toEqual({ family: "openfire", version: "5.0.2" });
    expect(parseServerId("jabberd2@2.7.0")).toEqual({ family: "jabberd2", version: "2.7.0" });
    expect(parseServerId("tigase@8.4.0")).toBeUndefined();
    expect(parseServerId("prosody@latest")).toBeUndefined();
    expect(parseServerId("prosody")).toBeUndefined();
  });

  // The scenario file's editor schema lists the families for `family:` (an image of your own).
  test("scenario.schema.json's family enum is the registered families", () => {
    const schema = JSON.parse(readFileSync(new URL("../../scenarios/scenario.schema.json", import.meta.url), "utf8"));
    const enums: string[][] = [];
    JSON.stringify(schema, (key, value) => (key === "family" && Array.isArray(value?.enum) && enums.push(value.enum), value));
    expect(enums).toEqual([[...FAMILIES]]);
  });
});
