// Where cells run: containers per server version, virtual hosts per cell, and the
// servers that hold only one domain (Openfire).
import { describe, expect, test } from "vitest";
import { catalogMaxVirtualHosts, catalogQuietSelfPair, plan, type PlannedInstance, type Stage } from "./plan.ts";
import type { CellSpec, Dialback, ProfileName } from "../core/types.ts";
import { PROFILE_NAMES } from "../ca/profiles.ts";
import { ownProfileInstance } from "./servers/ejabberd.ts";

const cell = (initiator: string, receiver: string, dialback: Dialback = "off", certificate: ProfileName = "server-only"): CellSpec => ({
  id: `${initiator} → ${receiver} [${certificate}, dialback ${dialback}]`,
  scenario: "test",
  initiator: { server: initiator, certificate, dialback },
  receiver: { server: receiver, certificate, dialback },
  expected: { outcome: "federates", source: "default" },
});
const numbered = (cells: CellSpec[]) => cells.map((spec, i) => ({ spec, n: i + 1 }));
const byKey = (stage: Stage) => new Map<string, PlannedInstance>(stage.instances.map((i) => [i.key, i]));
const domains = (i: PlannedInstance | undefined) => i?.hosts.map((h) => h.domain);

const P = "prosody@0.12.3";
const E = "ejabberd@23.01";
const O = "openfire@4.9.2";

describe("shared mode (--isolation vhost): Prosody and ejabberd", () => {
  // The smoke matrix: every directed pair of two servers.
  const cells = [cell(P, P), cell(P, E), cell(E, P), cell(E, E)];
  const stages = plan(numbered(cells), { isolation: "vhost" });

  test("one stage; one instance per version plus a #2 instance for self-pairs", () => {
    expect(stages).toHaveLength(1);
    expect(stages[0]!.instances.map((i) => i.key).sort()).toEqual([`${E}#1`, `${E}#2`, `${P}#1`, `${P}#2`]);
    for (const i of stages[0]!.instances) expect(i.server).toBe(i.key.split("#")[0]);
  });

  test("a wildcard host lives one label below its cell's name (a.c<n>.example), so that *.c<n>.example covers it", () => {
    const wild: CellSpec = { ...cell(P, E), initiator: { server: P, certificate: "wildcard", dialback: "off" } };
    const mismatch: CellSpec = { ...cell(E, P), receiver: { server: P, certificate: "wildcard-mismatch", dialback: "off" } };
    const [stage] = plan(numbered([wild, mismatch]), { isolation: "vhost" });
    expect(stage!.cells.map((c) => [c.initiator.domain, c.receiver.domain])).toEqual([
      ["a.c1.example", "c1-b.example"],
      ["c2-a.example", "c2-b.example"],
    ]);
    const [isolated] = plan(numbered([wild]), { isolation: "container" });
    expect(isolated!.cells[0]!.initiator.domain).toBe("a.c1.example");
  });

  test("ejabberd holds a host another host's certificate could stand in for only with hosts of its own profile", () => {
    const own: ProfileName[] = ["missing-intermediate", "wildcard-mismatch", "wrong-name"];
    expect(PROFILE_NAMES.filter(ownProfileInstance).sort()).toEqual(own);
    // Each of them on both sides, next to hosts of sound certificates on the same versions.
    const specs = [...own, "dual-eku", "le-tlsserver"].flatMap((c) => [cell(E, P, "off", c as ProfileName), cell(P, E, "on", c as ProfileName)]);
    const [stage] = plan(numbered(specs), { isolation: "vhost" });
    const onE = stage!.instances.filter((i) => i.server === E);
    expect(onE.map((i) => i.hosts.map((h) => h.certificate).sort()).sort()).toEqual([
      ["dual-eku", "dual-eku", "le-tlsserver", "le-tlsserver"],
      ["missing-intermediate", "missing-intermediate"],
      ["wildcard-mismatch", "wildcard-mismatch"],
      ["wrong-name", "wrong-name"],
    ]);
  });

  test("fresh domains per cell, named c<n>-a (initiator) and c<n>-b (receiver)", () => {
    const planned = stages[0]!.cells;
    expect(planned.map((c) => [c.initiator.domain, c.receiver.domain])).toEqual([
      ["c1-a.example", "c1-b.example"],
      ["c2-a.example", "c2-b.example"],
      ["c3-a.example", "c3-b.example"],
      ["c4-a.example", "c4-b.example"],
    ]);
    const all = stages[0]!.instances.flatMap((i) => domains(i)!);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(8);
  });

  test("a self-pair's initiator lives on #2, every other side on #1", () => {
    const [pp, pe, ep, ee] = stages[0]!.cells;
    expect([pp!.initiator.instance, pp!.receiver.instance]).toEqual([`${P}#2`, `${P}#1`]);
    expect([pe!.initiator.instance, pe!.receiver.instance]).toEqual([`${P}#1`, `${E}#1`]);
    expect([ep!.initiator.instance, ep!.receiver.instance]).toEqual([`${E}#1`, `${P}#1`]);
    expect([ee!.initiator.instance, ee!.receiver.instance]).toEqual([`${E}#2`, `${E}#1`]);
    const inst = byKey(stages[0]!);
    expect(domains(inst.get(`${P}#1`))).toEqual(["c1-b.example", "c2-a.example", "c3-b.example"]);
    expect(domains(inst.get(`${P}#2`))).toEqual(["c1-a.example"]);
  });

  test("jabberd2 (quietSelfPair) runs its self-pair cells on two quiet containers, one cell at a time; its other cells share #1", () => {
    const J = "jabberd2@2.7.0";
    expect([J, P, E].map(catalogQuietSelfPair)).toEqual([true, false, false]);
    const [stage] = plan(numbered([cell(J, J, "on"), cell(J, P), cell(J, J, "off"), cell(P, J), cell(P, P)]), { isolation: "vhost" });
    expect(stage!.cells.map((c) => [c.initiator.instance, c.receiver.instance, c.queue])).toEqual([
      [`${J}#quiet-a`, `${J}#quiet-b`, `${J}#quiet`],
      [`${J}#1`, `${P}#1`, undefined],
      [`${J}#quiet-a`, `${J}#quiet-b`, `${J}#quiet`],
      [`${P}#1`, `${J}#1`, undefined],
      [`${P}#2`, `${P}#1`, undefined],
    ]);
    const inst = byKey(stage!);
    expect(domains(inst.get(`${J}#quiet-a`))).toEqual(["c1-a.example", "c3-a.example"]);
    expect(domains(inst.get(`${J}#quiet-b`))).toEqual(["c1-b.example", "c3-b.example"]);
    expect(domains(inst.get(`${J}#1`))).toEqual(["c2-a.example", "c4-b.example"]);
    expect(inst.has(`${J}#2`)).toBe(false);
  });

  test("the isolated mode queues nothing: every cell has fresh containers", () => {
    const J = "jabberd2@2.7.0";
    const stages = plan(numbered([cell(J, J, "on"), cell(J, J, "off")]), { isolation: "container" });
    expect(stages.flatMap((s) => s.cells.map((c) => c.queue))).toEqual([undefined, undefined]);
    expect(stages.flatMap((s) => s.instances.map((i) => i.key))).toEqual([`c1:a:${J}`, `c1:b:${J}`, `c2:a:${J}`, `c2:b:${J}`]);
  });

  test("each host keeps its cell side's certificate and dialback setting", () => {
    const stage = plan(numbered([cell(P, E, "on", "dual-eku")]), { isolation: "vhost" })[0]!;
    const inst = byKey(stage);
    expect(inst.get(`${P}#1`)!.hosts).toEqual([{ domain: "c1-a.example", certificate: "dual-eku", dialback: "on" }]);
    expect(inst.get(`${E}#1`)!.hosts).toEqual([{ domain: "c1-b.example", certificate: "dual-eku", dialback: "on" }]);
  });

  test("prefix and tld name a re-run's domains", () => {
    const stage = plan([{ spec: cell(P, E), n: 7 }], { isolation: "vhost", prefix: "r", tld: "test" })[0]!;
    expect([stage.cells[0]!.initiator.domain, stage.cells[0]!.receiver.domain]).toEqual(["r7-a.test", "r7-b.test"]);
  });

  test("a server-wide setting splits a version into one instance per value", () => {
    const cells2 = [cell(P, E, "on"), cell(P, E, "off")];
    const stage = plan(numbered(cells2), {
      isolation: "vhost",
      serverWideKey: (server, host) => (server === E ? `dialback=${host.dialback}` : undefined),
    })[0]!;
    expect(stage.instances.map((i) => i.key).sort()).toEqual([`${E}[dialback=off]#1`, `${E}[dialback=on]#1`, `${P}#1`]);
    expect(domains(byKey(stage).get(`${P}#1`))).toEqual(["c1-a.example", "c2-a.example"]);
  });
});

describe("isolated mode (--isolation container)", () => {
  test("one stage per cell, each with two fresh instances of one host", () => {
    const stages = plan(numbered([cell(P, P), cell(P, E)]), { isolation: "container" });
    expect(stages).toHaveLength(2);
    for (const [i, stage] of stages.entries()) {
      expect(stage.instances).toHaveLength(2);
      expect(stage.cells).toHaveLength(1);
      for (const inst of stage.instances) expect(inst.hosts).toHaveLength(1);
      expect(stage.instances.map((x) => domains(x)![0])).toEqual([`c${i + 1}-a.example`, `c${i + 1}-b.example`]);
    }
    expect(stages[0]!.instances.map((i) => i.key)).toEqual([`c1:a:${P}`, `c1:b:${P}`]);
  });
});

describe("servers with one XMPP domain per instance (Openfire, maxVirtualHosts 1)", () => {
  test("the catalog's Openfire entries hold one virtual host; Prosody and ejabberd a bounded many", () => {
    expect(catalogMaxVirtualHosts(O)).toBe(1);
    expect(catalogMaxVirtualHosts("openfire@5.0.2")).toBe(1);
    expect(catalogMaxVirtualHosts(P)).toBe(240);
    expect(catalogMaxVirtualHosts(E)).toBe(300);
    expect(catalogMaxVirtualHosts("openfire@0.0.1")).toBeUndefined();
  });

  // Dialback on and off on both sides: Openfire's serverWideKey alone would have put
  // two hosts on each of its instances.
  const cells = [cell(O, O, "on"), cell(O, O, "off"), cell(O, P, "on"), cell(P, O, "off"), cell(O, P, "off")];
  const stages = plan(numbered(cells), {
    isolation: "vhost",
    serverWideKey: (server, host) => (server.startsWith("openfire@") ? `dialback=${host.dialback}` : undefined),
  });
  const stage = stages[0]!;
  const inst = byKey(stage);

  test("every Openfire host gets its own instance, named after the host", () => {
    const openfire = stage.instances.filter((i) => i.server === O);
    expect(openfire.map((i) => i.key)).toEqual([
      `${O}#c1-a`,
      `${O}#c1-b`,
      `${O}#c2-a`,
      `${O}#c2-b`,
      `${O}#c3-a`,
      `${O}#c4-b`,
      `${O}#c5-a`,
    ]);
    for (const i of openfire) expect(i.hosts).toHaveLength(1);
  });

  test("a self-pair's two sides are two instances; Prosody in the same plan still shares one", () => {
    const [oo] = stage.cells;
    expect([oo!.initiator.instance, oo!.receiver.instance]).toEqual([`${O}#c1-a`, `${O}#c1-b`]);
    expect(stage.instances.filter((i) => i.server === P).map((i) => i.key)).toEqual([`${P}#1`]);
    expect(domains(inst.get(`${P}#1`))).toEqual(["c3-b.example", "c4-a.example", "c5-b.example"]);
  });

  test("the cell names its host's instance", () => {
    for (const c of stage.cells) {
      expect(domains(inst.get(c.initiator.instance))).toContain(c.initiator.domain);
      expect(domains(inst.get(c.receiver.instance))).toContain(c.receiver.domain);
    }
    const one = plan([{ spec: cell(O, P), n: 17 }], { isolation: "vhost" })[0]!;
    expect(one.cells[0]!.initiator.instance).toBe(`${O}#c17-a`);
  });

  test("a limit above one fills #1 up to it, then #1.2, …", () => {
    const many = numbered([cell(E, P), cell(E, P), cell(E, P), cell(E, P), cell(E, P)]);
    const s = plan(many, { isolation: "vhost", maxVirtualHosts: (server) => (server === E ? 2 : undefined) })[0]!;
    const m = byKey(s);
    expect(s.instances.filter((i) => i.server === E).map((i) => i.key)).toEqual([`${E}#1`, `${E}#1.2`, `${E}#1.3`]);
    expect(domains(m.get(`${E}#1`))).toEqual(["c1-a.example", "c2-a.example"]);
    expect(domains(m.get(`${E}#1.3`))).toEqual(["c5-a.example"]);
    expect(domains(m.get(`${P}#1`))).toHaveLength(5);
  });
});
