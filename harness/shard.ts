// `--shard i/n`: which cells the i-th of n runs takes. Pure, no Docker.
//
// Every run boots its own servers, so a split that scatters the cells of one
// pair over many shards boots that pair in each of them. Cells are grouped by
// the containers they run on (harness/plan.ts: A→B and B→A share A#1 and B#1;
// a self-pair A→A needs A#1 and A#2), groups are never split unless a group
// alone would exceed a shard's fair share, and the groups are spread so that
// the costliest shard (boots + cells) costs as little as possible. A queue's cells
// (a quiet self-pair's: jabberd2) run one after another, so they may go to
// different shards, each of which boots its own two quiet containers. The same
// cells and n always give the same split.
import { createHash } from "node:crypto";
import { UsageError } from "../core/errors.ts";
import { plan, type Isolation, type PlanOptions } from "./plan.ts";
import type { CellSpec, RunResults, ShardInfo } from "../core/types.ts";

/**
 * What a shard costs, in seconds on this machine (2 cores; README "Sharding"):
 * a fixed part every run pays (network, name server, CA before the first boot, teardown:
 * ~1 s wall, runner/timings.ts), plus the CPU of its boots and its cells shared by the cores.
 * Boot CPU by family from `npm run bench -- --boots` (prosody 0.17–0.21 CPU-s,
 * jabberd2 0.42, ejabberd 2.1–3.0), rounded up for boots that compete with cells;
 * a family not measured is costed as the dearest. A queue's cells take turns, so a
 * shard also lasts at least their wall time one after another, from when the queue's two
 * containers are up, however idle the cores.
 */
export interface CostModel {
  fixedSeconds: number;
  bootCpuSeconds: Record<string, number>;
  unknownBootCpuSeconds: number;
  cellCpuSeconds: number;
  /** Wall seconds of a queued cell (jabberd2's self-pair: 1.9–2.7 s in a Let's Encrypt run, 2026-12-08). */
  queuedCellSeconds: number;
  /** Wall seconds before a queue's first turn: its containers boot among the shard's others (ready at 3.1–4.6 s in bench shards, 2026-12-08). */
  queueStartSeconds: number;
  /** Fixed, not this machine's count: the same cells and n must give the same split everywhere. */
  cores: number;
}

export const COST_MODEL: CostModel = {
  fixedSeconds: 1,
  bootCpuSeconds: { prosody: 0.4, jabberd2: 0.6, ejabberd: 2.8 },
  unknownBootCpuSeconds: 2.8,
  cellCpuSeconds: 0.12,
  queuedCellSeconds: 2.5,
  queueStartSeconds: 3.5,
  cores: 2,
};

/** A container's boot CPU, by the family its plan key names (`ejabberd@23.01#2` → ejabberd). */
export function bootCpu(key: string, model: CostModel = COST_MODEL): number {
  const family = /^([^@#]+)@/.exec(key)?.[1];
  return family && Object.hasOwn(model.bootCpuSeconds, family) ? model.bootCpuSeconds[family] : model.unknownBootCpuSeconds;
}

/**
 * A shard's cost in seconds: fixed + the longer of (its boots' CPU + its cells' CPU) / cores
 * and its queue's start and queued cells one after another.
 */
export function shardSeconds(instances: Iterable<string>, cells: number, queued = 0, model: CostModel = COST_MODEL): number {
  let cpu = cells * model.cellCpuSeconds;
  for (const k of instances) cpu += bootCpu(k, model);
  const queue = queued ? model.queueStartSeconds + queued * model.queuedCellSeconds : 0;
  return model.fixedSeconds + Math.max(cpu / model.cores, queue);
}

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

/** `2/4` → {index: 2, count: 4}; anything else is a usage error that shows the form. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard ${JSON.stringify(text)}: expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/4 (the second of four parts)`);
  }
  return { index, count };
}

/** Identifies the whole run's cells: same scenario files, --only and --servers give the same digest. */
export function cellsDigest(cells: CellSpec[]): string {
  const h = createHash("sha256");
  for (const c of cells) h.update(JSON.stringify([c.scenario, c.id, c.expected])).update("\n");
  return `sha256:${h.digest("hex").slice(0, 32)}`;
}

export interface Shard {
  /** In the whole run's order. */
  cells: CellSpec[];
  /** Containers the shard boots (plan.ts keys), as the cost model counts them. */
  instances: string[];
  /** shardSeconds(instances, cells, queued cells): the model's seconds for the shard's run. */
  cost: number;
}

interface Group {
  cells: number[];
  keys: string[];
  /** Its cells take turns (a queue's): each adds its wall time to the shard's. */
  queued: boolean;
}

interface Bin {
  groups: Group[];
  keys: Map<string, number>;
  cells: number;
  queued: number;
}

type PlanHooks = Pick<PlanOptions, "serverWideKey" | "maxVirtualHosts" | "quietSelfPair">;

const newBin = (): Bin => ({ groups: [], keys: new Map(), cells: 0, queued: 0 });
const binCost = (b: Bin) => shardSeconds(b.keys.keys(), b.cells, b.queued);
const queuedIn = (g?: Group) => (g?.queued ? g.cells.length : 0);

/** The bin's cost with `add` added and `remove` removed. */
function costWith(b: Bin, add?: Group, remove?: Group): number {
  const boots = new Set(b.keys.keys());
  const removed = new Map<string, number>();
  if (remove) {
    for (const k of remove.keys) removed.set(k, (removed.get(k) ?? 0) + 1);
    for (const [k, n] of removed) if (b.keys.get(k) === n) boots.delete(k);
  }
  if (add) for (const k of add.keys) boots.add(k);
  return shardSeconds(boots, b.cells + (add?.cells.length ?? 0) - (remove?.cells.length ?? 0), b.queued + queuedIn(add) - queuedIn(remove));
}

function put(b: Bin, g: Group): void {
  b.groups.push(g);
  b.cells += g.cells.length;
  b.queued += queuedIn(g);
  for (const k of g.keys) b.keys.set(k, (b.keys.get(k) ?? 0) + 1);
}

function take(b: Bin, g: Group): void {
  b.groups.splice(b.groups.indexOf(g), 1);
  b.cells -= g.cells.length;
  b.queued -= queuedIn(g);
  for (const k of g.keys) {
    const n = b.keys.get(k)! - 1;
    if (n) b.keys.set(k, n);
    else b.keys.delete(k);
  }
}

/** Lexicographic (max cost, total cost): lower is better. */
const score = (costs: number[]) => [Math.max(...costs), costs.reduce((a, b) => a + b, 0)] as const;
const better = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** Same seed, same walk: the split stays deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Steps of the search below; enough for LE at 2–8 shards to reach the best split found by long random searches. */
const STEPS = 20_000;

/**
 * A seeded random walk over moves and swaps of groups between shards: a step is
 * kept unless it makes the costliest shard costlier (plateaus are crossed, which
 * plain descent cannot), and the best split seen (costliest shard, then total) wins.
 */
function improve(bins: Bin[], groups: Group[]): void {
  if (bins.length < 2) return;
  const random = prng(1);
  const pick = (n: number) => Math.floor(random() * n);
  const where = new Map<Group, number>();
  bins.forEach((b, i) => b.groups.forEach((g) => where.set(g, i)));
  const costs = bins.map(binCost);
  let best = { score: score(costs), where: new Map(where) };
  for (let step = 0; step < STEPS; step++) {
    const g = groups[pick(groups.length)];
    const from = where.get(g)!;
    const to = (from + 1 + pick(bins.length - 1)) % bins.length;
    const h = random() < 0.5 && bins[to].groups.length ? bins[to].groups[pick(bins[to].groups.length)] : undefined;
    if (!h && bins[from].groups.length === 1) continue;
    const next = [...costs];
    next[from] = costWith(bins[from], h, g);
    next[to] = costWith(bins[to], g, h);
    if (Math.max(...next) > Math.max(...costs)) continue;
    take(bins[from], g);
    put(bins[to], g);
    where.set(g, to);
    if (h) {
      take(bins[to], h);
      put(bins[from], h);
      where.set(h, from);
    }
    costs[from] = next[from];
    costs[to] = next[to];
    if (better(score(costs), best.score)) best = { score: score(costs), where: new Map(where) };
  }
  for (const b of bins) for (const g of [...b.groups]) take(b, g);
  for (const g of groups) put(bins[best.where.get(g)!], g);
}

/** Splits the cells into `count` disjoint shards, in shard order (shard 1 first). */
export function splitShards(cells: CellSpec[], count: number, isolation: Isolation = "vhost", hooks: PlanHooks = {}): Shard[] {
  if (count > cells.length) {
    throw new UsageError(`--shard …/${count}: the run has only ${cells.length} cell${cells.length === 1 ? "" : "s"}, so at most ${cells.length} shards`);
  }
  // Which containers each cell needs, as one run of all cells would plan them.
  const [stage, ...more] = plan(
    cells.map((spec, i) => ({ spec, n: i + 1 })),
    { isolation, ...hooks },
  );
  const planned = [stage, ...more].flatMap((s) => s.cells);
  const byKeys = new Map<string, Group>();
  planned.forEach((pc, i) => {
    const keys = [...new Set([pc.initiator.instance, pc.receiver.instance])].sort();
    const id = keys.join("\n");
    let g = byKeys.get(id);
    if (!g) byKeys.set(id, (g = { cells: [], keys, queued: pc.queue !== undefined }));
    g.cells.push(i);
  });
  // A group bigger than a fair share is cut into consecutive pieces, smaller until there
  // are at least as many pieces as shards: every shard gets work. A queue is cut into
  // single cells: spread, its turns run side by side.
  const cut = (cap: number): Group[] =>
    [...byKeys.values()].flatMap((g) => {
      const size = g.queued ? 1 : cap;
      return Array.from({ length: Math.ceil(g.cells.length / size) }, (_, j) => ({ ...g, cells: g.cells.slice(j * size, (j + 1) * size) }));
    });
  let cap = Math.ceil(cells.length / count);
  let groups = cut(cap);
  while (groups.length < count) groups = cut(--cap);
  const weight = (g: Group) => shardSeconds(g.keys, g.cells.length, queuedIn(g));
  groups.sort((a, b) => weight(b) - weight(a) || a.cells[0] - b.cells[0]);

  // Greedy: each group, heaviest first, to the shard it makes least costly.
  const bins = Array.from({ length: count }, newBin);
  for (const g of groups) {
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (costWith(bins[i], g) < costWith(bins[best], g)) best = i;
    put(bins[best], g);
  }

  improve(bins, groups);

  const shards = bins.map((b) => {
    const idx = b.groups.flatMap((g) => g.cells).sort((x, y) => x - y);
    return { first: idx[0], shard: { cells: idx.map((i) => cells[i]), instances: [...b.keys.keys()].sort(), cost: binCost(b) } };
  });
  // Shard 1 holds the run's first cell, and so on: the numbering reads like the scenario.
  return shards.sort((a, b) => a.first - b.first).map((s) => s.shard);
}

/** A shard of a whole run: its cells, and what results.json records about it. */
export interface ShardSelection {
  spec: ShardSpec;
  shard: Shard;
  info: ShardInfo;
  /** 1-based place of each cell in the whole run: merge restores the order from it. */
  position: Map<CellSpec, number>;
}

export function selectShard(cells: CellSpec[], spec: ShardSpec, isolation: Isolation = "vhost", hooks: PlanHooks = {}): ShardSelection {
  const shard = splitShards(cells, spec.count, isolation, hooks)[spec.index - 1];
  return {
    spec,
    shard,
    info: { ...spec, cells: cells.length, digest: cellsDigest(cells) },
    position: new Map(cells.map((c, i) => [c, i + 1])),
  };
}

/** Marks a shard run's results: the run-level `shard` and each cell's shard and place in the whole run. */
export function stampShard(results: RunResults, sel: ShardSelection): RunResults {
  return {
    ...results,
    shard: sel.info,
    cells: results.cells.map((c) => ({ ...c, shard: { index: sel.spec.index, position: sel.position.get(c.spec)! } })),
  };
}

/** `--list`: the cells and the containers a run (or one shard of it) would start, without Docker. */
export function describeRun(cells: CellSpec[], isolation: Isolation, sel?: ShardSelection): string {
  const mine = sel ? sel.shard.cells : cells;
  const stages = plan(
    mine.map((spec, i) => ({ spec, n: i + 1 })),
    { isolation },
  );
  const containers = stages.flatMap((s) => s.instances.map((i) => i.key));
  const what = sel ? `shard ${sel.spec.index}/${sel.spec.count}: ${mine.length} of ${cells.length} cells` : `${cells.length} cells`;
  const lines = [`${what}, ${containers.length} server container${containers.length === 1 ? "" : "s"} (--isolation ${isolation})`];
  if (isolation === "vhost") lines.push("containers:", ...containers.map((k) => `  ${k}`));
  lines.push("cells:", ...mine.map((c) => `  ${c.id}${sel ? `  (#${sel.position.get(c)})` : ""}`));
  return lines.join("\n");
}
