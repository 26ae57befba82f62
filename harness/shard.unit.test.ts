import { describe, expect, it } from "vitest";
import { prepare } from "./inputs.ts";
import { plan } from "./plan.ts";
import { bootCpu, cellsDigest, describeRun, parseShard, selectShard, splitShards, stampShard } from "./shard.ts";
import { sampleResults } from "./report/fixtures.ts";
import type { CellSpec } from "../core/types.ts";

const LE = (await prepare({ scenarioFiles: ["scenarios/letsencrypt-2026.yaml"] })).cells;
const SMOKE = (await prepare({ scenarioFiles: ["scenarios/smoke.yaml"] })).cells;

const pair = (c: CellSpec) => [c.initiator.server, c.receiver.server].sort().join(" ");
const JABBERD2_SELF = "jabberd2@2.7.0 jabberd2@2.7.0";
const QUIET_PAIR = ["jabberd2@2.7.0#quiet-a", "jabberd2@2.7.0#quiet-b"];
const containersOf = (cells: CellSpec[]) => plan(cells.map((spec, i) => ({ spec, n: i + 1 })), { isolation: "vhost" })[0].instances.map((i) => i.key);

describe("parseShard", () => {
  it("reads i/n", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
  });
  it.each(["0/4", "5/4", "2", "2/0", "a/b", "-1/3", "1/2/3", ""])("refuses %j with the form to use", (text) => {
    expect(() => parseShard(text)).toThrow(/expected i\/n with 1 ≤ i ≤ n, e\.g\. --shard 2\/4/);
  });
});

describe("splitShards (Let's Encrypt scenario, 256 cells, 8 servers)", () => {
  it.each([1, 2, 3, 4, 8])("%i shards: disjoint, together every cell once, none empty", (n) => {
    const shards = splitShards(LE, n);
    expect(shards).toHaveLength(n);
    for (const s of shards) expect(s.cells.length).toBeGreaterThan(0);
    const all = shards.flatMap((s) => s.cells);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(LE));
    // Each shard keeps the scenario's order.
    for (const s of shards) expect(s.cells).toEqual(LE.filter((c) => s.cells.includes(c)));
  });

  it("is deterministic: the same cells and n give the same split", () => {
    const ids = (n: number) => splitShards(LE, n).map((s) => s.cells.map((c) => c.id));
    expect(ids(4)).toEqual(ids(4));
    expect(ids(3)).toEqual(ids(3));
  });

  it("keeps the cells of one server pair (both directions, every combination) in one shard; a queue's may spread", () => {
    for (const n of [2, 3, 4]) {
      const shardOf = new Map<string, Set<number>>();
      splitShards(LE, n).forEach((s, i) => s.cells.forEach((c) => shardOf.set(pair(c), (shardOf.get(pair(c)) ?? new Set()).add(i))));
      for (const [p, shards] of shardOf) if (p !== JABBERD2_SELF) expect(shards.size, `${p} at ${n} shards`).toBe(1);
    }
  });

  // jabberd2's self-pair cells take turns on two quiet containers (plan.ts `queue`): 4 × 2.5 s one
  // after another, once the two are up, outlast the CPU a shard of them needs, and a shard that holds
  // them all waits for them.
  it("costs a queue's cells one after another, and spreads them over the shards (counted by hand)", () => {
    const quiet = LE.filter((c) => pair(c) === JABBERD2_SELF);
    expect(quiet).toHaveLength(4);
    // 1 shard: CPU (0.6 + 0.6 boots + 4 × 0.12) / 2 = 0.84 s, queue 3.5 + 4 × 2.5 = 13.5 s → 1 + 13.5.
    expect(splitShards(quiet, 1).map((s) => s.cost)).toEqual([expect.closeTo(14.5, 9)]);
    // 2 shards, each with its own quiet pair: 1 + max((1.2 + 0.24) / 2, 3.5 + 2 × 2.5) = 9.5.
    expect(splitShards(quiet, 2).map((s) => [s.cells.length, s.cost])).toEqual([
      [2, expect.closeTo(9.5, 9)],
      [2, expect.closeTo(9.5, 9)],
    ]);
    expect(splitShards(quiet, 2).map((s) => s.instances)).toEqual([QUIET_PAIR, QUIET_PAIR]);
    // In the whole scenario at 4 shards the queue is not left in one shard.
    expect(Math.max(...splitShards(LE, 4).map((s) => s.cells.filter((c) => pair(c) === JABBERD2_SELF).length))).toBeLessThan(4);
  });

  it("counts the containers the run of each shard boots (plan.ts), self-pairs with their second container", () => {
    for (const s of splitShards(LE, 4)) {
      expect([...s.instances].sort()).toEqual([...containersOf(s.cells)].sort());
    }
  });

  it("costs a shard in seconds: 1 s fixed + (boot CPU by family + 0.12 CPU-s a cell) / 2 cores, counted by hand on smoke", () => {
    // Whole run: 2 prosody boots (0.8) + 2 ejabberd boots (5.6) + 4 cells (0.48) = 6.88 CPU-s → 1 + 3.44 = 4.44 s.
    expect(splitShards(SMOKE, 1).map((s) => s.cost)).toEqual([expect.closeTo(4.44, 9)]);
    // 2 shards: {P→P, P↔E} boots P#1 P#2 E#1: 1 + (0.4 + 0.4 + 2.8 + 0.36)/2 = 2.98; E→E 3.86 (below).
    // The other cut, P→P alone (1.46) and {P↔E, E→E} (1 + (0.4 + 5.6 + 0.36)/2 = 4.18), has the costlier shard.
    expect(splitShards(SMOKE, 2).map((s) => s.cost)).toEqual([expect.closeTo(2.98, 9), expect.closeTo(3.86, 9)]);
    expect(splitShards(SMOKE, 2).map((s) => s.cells.length)).toEqual([3, 1]);
    // 3 shards: P→P 1 + (0.8 + 0.12)/2 = 1.46; P↔E 1 + (0.4 + 2.8 + 0.24)/2 = 2.72; E→E 1 + (5.6 + 0.12)/2 = 3.86.
    expect(splitShards(SMOKE, 3).map((s) => s.cost)).toEqual([expect.closeTo(1.46, 9), expect.closeTo(2.72, 9), expect.closeTo(3.86, 9)]);
  });

  it("a boot's CPU by the family its container key names; a family not measured costs as ejabberd", () => {
    expect(bootCpu("prosody@13.0.7#1")).toBe(0.4);
    expect(bootCpu("jabberd2@2.7.0#2")).toBe(0.6);
    expect(bootCpu("ejabberd@23.01#1")).toBe(2.8);
    expect(bootCpu("openfire@4.9.2#1")).toBe(2.8);
    expect(bootCpu("my-server#1")).toBe(2.8);
  });

  it("balances boots + cells: 4 shards' costliest ≤ 35 % of the whole run's, fewer boots than a round-robin split", () => {
    const whole = splitShards(LE, 1)[0];
    // 8 versions, a second container for each self-pair but jabberd2's, and jabberd2's two quiet ones for its 4 self-pair cells.
    expect(whole.instances).toHaveLength(8 + 7 + 2);
    const four = splitShards(LE, 4);
    expect(Math.max(...four.map((s) => s.cost))).toBeLessThanOrEqual(0.35 * whole.cost);
    const roundRobin = [0, 1, 2, 3].map((k) => LE.filter((_, i) => i % 4 === k));
    const boots = (parts: CellSpec[][]) => parts.reduce((sum, p) => sum + containersOf(p).length, 0);
    expect(boots(four.map((s) => s.cells))).toBeLessThan(boots(roundRobin));
  });

  it("cuts a pair's cells only when there are more shards than pairs", () => {
    // smoke: P→P, P↔E (2 cells), E→E: three groups.
    expect(splitShards(SMOKE, 3).map((s) => s.cells.length)).toEqual([1, 2, 1]);
    expect(splitShards(SMOKE, 4).map((s) => s.cells.length)).toEqual([1, 1, 1, 1]);
  });

  it("refuses more shards than cells", () => {
    expect(() => splitShards(SMOKE, 5)).toThrow(/only 4 cells, so at most 4 shards/);
  });
});

describe("selectShard, stampShard, describeRun", () => {
  it("records the whole run in the shard: cell count, digest, each cell's place", () => {
    const sel = selectShard(SMOKE, { index: 3, count: 3 });
    expect(sel.info).toEqual({ index: 3, count: 3, cells: 4, digest: cellsDigest(SMOKE) });
    expect(sel.shard.cells.map((c) => sel.position.get(c))).toEqual([4]);
  });

  it("the digest changes with the cells and their expectations", () => {
    expect(cellsDigest(SMOKE)).toBe(cellsDigest([...SMOKE]));
    expect(cellsDigest(SMOKE.slice(1))).not.toBe(cellsDigest(SMOKE));
    const changed = SMOKE.map((c, i) => (i ? c : { ...c, expected: { ...c.expected, outcome: "fails" as const } }));
    expect(cellsDigest(changed)).not.toBe(cellsDigest(SMOKE));
  });

  it("stamps the run and every cell", () => {
    const whole = sampleResults();
    const specs = whole.cells.map((c) => c.spec);
    const sel = selectShard(specs, { index: 1, count: 2 });
    const r = stampShard({ ...whole, cells: whole.cells.filter((c) => sel.shard.cells.includes(c.spec)) }, sel);
    expect(r.shard).toEqual(sel.info);
    for (const c of r.cells) expect(c.shard).toEqual({ index: 1, position: specs.indexOf(c.spec) + 1 });
  });

  it("--list names the shard's containers and cells", () => {
    const text = describeRun(SMOKE, "vhost", selectShard(SMOKE, { index: 2, count: 3 }));
    expect(text).toContain("shard 2/3: 2 of 4 cells, 2 server containers");
    expect(text).toMatch(/^ {2}prosody@0\.12\.3#1$/m);
    expect(text).toMatch(/^ {2}ejabberd@23\.01#1$/m);
    expect(text).toContain("prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]  (#2)");
    expect(text).not.toContain("#2\n"); // no second container: no self-pair in this shard
    expect(describeRun(SMOKE, "vhost")).toMatch(/^4 cells, 4 server containers/);
  });
});
