import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEBIAN_ENTRIES, serverKey } from "../harness/servers/catalog.ts";
import { cellId } from "../core/label.ts";
import { expandCells } from "./expand.ts";
import { loadScenario, parseScenario } from "./load.ts";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

describe("expandCells: the shipped Let's Encrypt scenario", async () => {
  const scenario = await loadScenario(here("letsencrypt-2026.yaml"));
  const cells = expandCells(scenario);

  it("lists every catalog server built from Debian (upstream images cannot be assumed present)", () => {
    expect(scenario.servers.map((s) => s.id)).toEqual(DEBIAN_ENTRIES.map(serverKey));
  });

  it("has 8 servers → 64 directed pairs × 2 certificates × 2 dialback = 256 cells, unique ids", () => {
    expect(scenario.servers).toHaveLength(8);
    expect(cells).toHaveLength(256);
    expect(new Set(cells.map((c) => c.id)).size).toBe(256);
    const pairs = new Map<string, number>();
    for (const c of cells) {
      const k = `${c.initiator.server} ${c.receiver.server}`;
      pairs.set(k, (pairs.get(k) ?? 0) + 1);
    }
    expect(pairs.size).toBe(64);
    expect([...pairs.values()].every((n) => n === 4)).toBe(true);
    expect(pairs.get("ejabberd@24.12 ejabberd@24.12")).toBe(4); // a server with another instance of itself
  });

  it("orders by initiator, receiver, certificate, dialback", () => {
    expect(cells.slice(0, 5).map((c) => c.id)).toEqual([
      "prosody@0.12.3 → prosody@0.12.3 [server-only, dialback on]",
      "prosody@0.12.3 → prosody@0.12.3 [server-only, dialback off]",
      "prosody@0.12.3 → prosody@0.12.3 [dual-eku, dialback on]",
      "prosody@0.12.3 → prosody@0.12.3 [dual-eku, dialback off]",
      "prosody@0.12.3 → prosody@13.0.1 [server-only, dialback on]",
    ]);
    expect(cells[32].id).toBe("prosody@13.0.1 → prosody@0.12.3 [server-only, dialback on]");
    expect(cells[255].id).toBe("jabberd2@2.7.0 → jabberd2@2.7.0 [dual-eku, dialback off]");
    expect(expandCells(scenario)).toEqual(cells);
  });

  it("gives both sides the same certificate and dialback (symmetric lists)", () => {
    for (const c of cells) {
      expect(c.initiator.certificate).toBe(c.receiver.certificate);
      expect(c.initiator.dialback).toBe(c.receiver.dialback);
      expect(c.scenario).toBe(scenario.name);
    }
  });

  it("encodes the public facts", () => {
    const find = (id: string) => {
      const c = cells.find((x) => x.id === id);
      if (!c) throw new Error(`no cell ${id}`);
      return c.expected;
    };
    expect(find("prosody@13.0.7 → ejabberd@23.01 [server-only, dialback off]")).toEqual({
      outcome: "fails",
      reason: "unsupported certificate purpose",
      source: "expect.rules[1]",
    });
    expect(find("ejabberd@26.07 → ejabberd@24.12 [server-only, dialback on]")).toEqual({ outcome: "federates", auth: "dialback", source: "expect.rules[2]" });
    expect(find("prosody@13.0.7 → ejabberd@26.07 [server-only, dialback off]")).toEqual({ outcome: "federates", auth: "external", source: "expect.rules[3]" });
    // The way back refused by ejabberd < 25.07: one-way.
    const oneWay = { outcome: "one-way", auth: "external", reason: "unsupported certificate purpose" };
    expect(find("ejabberd@23.01 → ejabberd@26.07 [server-only, dialback off]")).toEqual({ ...oneWay, source: "expect.rules[5]" });
    expect(find("ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]")).toEqual({ ...oneWay, source: "expect.rules[4]" });
    expect(find("ejabberd@23.01 → prosody@0.12.3 [server-only, dialback on]")).toEqual({ outcome: "federates", auth: "external", source: "expect.rules[0]" });
    expect(find("prosody@0.12.3 → ejabberd@23.01 [dual-eku, dialback off]")).toEqual({ outcome: "federates", auth: "external", source: "expect.rules[6]" });
    // One-way: 2 initiators (ejabberd < 25.07) × 5 receivers (Prosody, ejabberd ≥ 25.07).
    expect(cells.filter((c) => c.expected.outcome === "one-way")).toHaveLength(10);
    // Without jabberd2, only server-only + dialback off towards ejabberd < 25.07 fails: 7 initiators × 2 receivers.
    const jabberd2 = (c: (typeof cells)[number]) => [c.initiator.server, c.receiver.server].includes("jabberd2@2.7.0");
    const failing = cells.filter((c) => c.expected.outcome === "fails" && !jabberd2(c));
    expect(failing).toHaveLength(14);
    expect(new Set(failing.map((c) => c.receiver.server))).toEqual(new Set(["ejabberd@23.01", "ejabberd@24.12"]));
    expect(failing.every((c) => c.initiator.certificate === "server-only" && c.initiator.dialback === "off")).toBe(true);
    // jabberd2 (dialback only, verify-mode 7): every server-only cell fails (15 pairs × 2 dialback), dual-EKU
    // with dialback off fails against the 7 others both ways, and jabberd2 → jabberd2 fails dialback on and off
    // (the stale "oid exists" and its session-ticket records, #24).
    expect(cells.filter((c) => jabberd2(c) && c.expected.outcome === "fails")).toHaveLength(30 + 14 + 2);
    for (const d of ["on", "off"]) expect(find(`jabberd2@2.7.0 → jabberd2@2.7.0 [dual-eku, dialback ${d}]`)).toMatchObject({ outcome: "fails" });
    expect(find("prosody@13.0.7 → jabberd2@2.7.0 [dual-eku, dialback on]")).toMatchObject({ outcome: "federates", auth: "dialback" });
    // Every cell is decided by a rule, not the default.
    expect(cells.every((c) => c.expected.source.startsWith("expect.rules["))).toBe(true);
  });
});

describe("expandCells: the shipped smoke scenario", async () => {
  const scenario = await loadScenario(here("smoke.yaml"));
  it("has 4 cells with their expectations", () => {
    expect(expandCells(scenario).map((c) => [c.id, c.expected.outcome])).toEqual([
      ["prosody@0.12.3 → prosody@0.12.3 [server-only, dialback off]", "federates"],
      ["prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]", "fails"],
      ["ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]", "one-way"],
      ["ejabberd@23.01 → ejabberd@23.01 [server-only, dialback off]", "fails"],
    ]);
  });
});

describe("expandCells: shapes", () => {
  const base = (extra: string) =>
    parseScenario(
      `name: t
servers: [prosody@13.0.7, ejabberd@24.12, ejabberd@26.07]
${extra}
expect: {default: federates}
`,
      "t.yaml",
    );

  it("takes every combination of the asymmetric form", () => {
    const s = base("certificates: {initiator: [server-only, dual-eku], receiver: [no-eku]}\ndialback: {initiator: [on, off], receiver: [on, off]}");
    const cells = expandCells(s);
    expect(cells).toHaveLength(9 * 2 * 1 * 2 * 2);
    expect(cells.slice(0, 8).map((c) => c.id)).toEqual([
      "prosody@13.0.7 → prosody@13.0.7 [server-only→no-eku, dialback on]",
      "prosody@13.0.7 → prosody@13.0.7 [server-only→no-eku, dialback on→off]",
      "prosody@13.0.7 → prosody@13.0.7 [server-only→no-eku, dialback off→on]",
      "prosody@13.0.7 → prosody@13.0.7 [server-only→no-eku, dialback off]",
      "prosody@13.0.7 → prosody@13.0.7 [dual-eku→no-eku, dialback on]",
      "prosody@13.0.7 → prosody@13.0.7 [dual-eku→no-eku, dialback on→off]",
      "prosody@13.0.7 → prosody@13.0.7 [dual-eku→no-eku, dialback off→on]",
      "prosody@13.0.7 → prosody@13.0.7 [dual-eku→no-eku, dialback off]",
    ]);
    expect(cells[1].initiator).toEqual({ server: "prosody@13.0.7", certificate: "server-only", dialback: "on" });
    expect(cells[1].receiver).toEqual({ server: "prosody@13.0.7", certificate: "no-eku", dialback: "off" });
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });

  it("expands vary/against into one side at a time, in order", () => {
    const cells = expandCells(base("certificates: {vary: [expired, dual-eku], against: dual-eku}\ndialback: [off]\npairs: cross"));
    expect(cells).toHaveLength(6 * 3);
    expect(cells.slice(0, 3).map((c) => c.id)).toEqual([
      "prosody@13.0.7 → ejabberd@24.12 [expired→dual-eku, dialback off]",
      "prosody@13.0.7 → ejabberd@24.12 [dual-eku, dialback off]",
      "prosody@13.0.7 → ejabberd@24.12 [dual-eku→expired, dialback off]",
    ]);
  });

  it("mixes a symmetric certificate list with asymmetric dialback", () => {
    const cells = expandCells(base("certificates: [server-only, dual-eku]\ndialback: {initiator: [on], receiver: [off]}"));
    expect(cells).toHaveLength(9 * 2);
    expect(cells[0].id).toBe("prosody@13.0.7 → prosody@13.0.7 [server-only, dialback on→off]");
  });

  it("skips a server paired with itself under pairs: cross", () => {
    const cells = expandCells(base("certificates: [server-only]\ndialback: [off]\npairs: cross"));
    expect(cells.map((c) => `${c.initiator.server} ${c.receiver.server}`)).toEqual([
      "prosody@13.0.7 ejabberd@24.12",
      "prosody@13.0.7 ejabberd@26.07",
      "ejabberd@24.12 prosody@13.0.7",
      "ejabberd@24.12 ejabberd@26.07",
      "ejabberd@26.07 prosody@13.0.7",
      "ejabberd@26.07 ejabberd@24.12",
    ]);
  });

  it("formats ids", () => {
    const side = (server: string, certificate: "server-only" | "dual-eku", dialback: "on" | "off") => ({ server, certificate, dialback });
    expect(cellId(side("prosody@0.12.3", "server-only", "off"), side("ejabberd@23.01", "server-only", "off"))).toBe(
      "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]",
    );
    expect(cellId(side("prosody@0.12.3", "server-only", "on"), side("ejabberd@23.01", "dual-eku", "off"))).toBe(
      "prosody@0.12.3 → ejabberd@23.01 [server-only→dual-eku, dialback on→off]",
    );
  });
});

describe("expandCells: named servers", () => {
  const scenario = (ours: string) =>
    parseScenario(
      `name: Gate
servers: [{name: ours, server: ${ours}}, prosody@13.0.7, {name: mine, family: prosody, image: x/prosody:1}]
certificates: [server-only]
dialback: [off]
pairs: cross
expect:
  default: federates
  rules:
    - receiver: ejabberd@<25.07
      outcome: fails
    - initiator: mine
      outcome: fails
      reason: by name
`,
      "gate.yaml",
    );

  it("keys cells by name: a bump of ours keeps every id, and unnamed servers keep family@version", () => {
    const before = expandCells(scenario("ejabberd@24.12"));
    const after = expandCells(scenario("ejabberd@26.07"));
    expect(before.map((c) => c.id)).toEqual(after.map((c) => c.id));
    expect(before.map((c) => c.id)).toContain("ours → prosody@13.0.7 [server-only, dialback off]");
    expect(before[0].initiator).toEqual({ server: "ours", runs: "ejabberd@24.12", certificate: "server-only", dialback: "off" });
    expect(after[0].initiator.runs).toBe("ejabberd@26.07");
    const p = before.find((c) => c.initiator.server === "prosody@13.0.7")!;
    expect(p.initiator).toEqual({ server: "prosody@13.0.7", certificate: "server-only", dialback: "off" });
    expect(before.find((c) => c.initiator.server === "mine")!.initiator.runs).toBe("prosody");
  });

  it("version selectors match on what a name runs; a name selects its server whatever it runs", () => {
    const expected = (cells: ReturnType<typeof expandCells>, id: string) => cells.find((c) => c.id === id)!.expected;
    const before = expandCells(scenario("ejabberd@24.12"));
    const after = expandCells(scenario("ejabberd@26.07"));
    const toOurs = "prosody@13.0.7 → ours [server-only, dialback off]";
    expect(expected(before, toOurs)).toMatchObject({ outcome: "fails", source: "expect.rules[0]" });
    expect(expected(after, toOurs)).toMatchObject({ outcome: "federates", source: "default" });
    expect(expected(before, "mine → ours [server-only, dialback off]")).toMatchObject({ outcome: "fails", reason: "by name" });
    // No version range selects an image: its version is known only once it runs.
    expect(expected(before, "prosody@13.0.7 → mine [server-only, dialback off]").source).toBe("default");
  });
});
