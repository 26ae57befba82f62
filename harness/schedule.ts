// The order cells run in. It never changes a cell's outcome (every cell has its own
// virtual hosts); it only decides how soon the run is over.
import type { CellSpec } from "../core/types.ts";

/**
 * Runs `fn` over items, at most `n` at a time, each once `ready(item)` has
 * resolved: an item whose servers are up starts while other servers still
 * boot. Among ready items the earlier in `items` goes first. When a `ready`
 * promise rejects no further item starts; the items already running finish,
 * then the rejection is thrown.
 */
export async function poolWhenReady<T>(
  items: T[],
  n: number,
  ready: (item: T) => Promise<unknown>,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const waiting = items.map((item) => ({ item, ok: false }));
  let failure: { reason: unknown } | undefined;
  let wake = () => {};
  let changed = new Promise<void>((r) => (wake = r));
  const signal = () => {
    const w = wake;
    changed = new Promise<void>((r) => (wake = r));
    w();
  };
  for (const w of waiting) {
    ready(w.item).then(
      () => ((w.ok = true), signal()),
      (reason) => ((failure ??= { reason }), signal()),
    );
  }
  const worker = async () => {
    while (waiting.length && !failure) {
      const i = waiting.findIndex((w) => w.ok);
      if (i < 0) {
        await changed;
        continue;
      }
      await fn(waiting.splice(i, 1)[0].item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failure) throw failure.reason;
}

/**
 * Items that share a queue run one after another, in the order given: an item's
 * turn comes once the one before it in its queue is done (whatever its result).
 * Items without a queue never wait.
 */
export function turns<T>(items: T[], queueOf: (item: T) => string | undefined): { turn: (item: T) => Promise<void>; done: (item: T) => void } {
  const last = new Map<string, Promise<void>>();
  const entries = new Map<T, { turn: Promise<void>; done: () => void }>();
  for (const item of items) {
    const queue = queueOf(item);
    if (queue === undefined) continue;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    entries.set(item, { turn: last.get(queue) ?? Promise.resolve(), done });
    last.set(queue, finished);
  }
  return {
    turn: (item) => entries.get(item)?.turn ?? Promise.resolve(),
    done: (item) => entries.get(item)?.done(),
  };
}

const sideKey = (s: CellSpec["initiator"]) => `${s.server}|${s.certificate}|${s.dialback}`;

/**
 * Cells expected to wait out the ping timeout first, so they do not form the tail
 * of the run: a cell expected one-way, or expected to federate whose reply path is expected to fail
 * (its ping needs B→A: the reverse cell is expected to fail, or the cell expects
 * its ping to fail). Otherwise the given order is kept.
 */
export function slowFirst<T extends { spec: CellSpec }>(cells: T[]): T[] {
  const expectedFails = new Set(
    cells.filter((c) => c.spec.expected.outcome === "fails").map((c) => `${sideKey(c.spec.initiator)}>${sideKey(c.spec.receiver)}`),
  );
  const slow = (c: T) =>
    c.spec.expected.outcome === "one-way" ||
    (c.spec.expected.outcome === "federates" &&
      (c.spec.expected.ping === "fails" || expectedFails.has(`${sideKey(c.spec.receiver)}>${sideKey(c.spec.initiator)}`)));
  return [...cells.filter(slow), ...cells.filter((c) => !slow(c))];
}

/**
 * At most `n` units of work run at once, in the order given: a function weighs 1
 * unless told otherwise, and one heavier than `n` runs when nothing else does.
 */
export function limiter(n: number): <R>(fn: () => Promise<R>, weight?: number) => Promise<R> {
  let active = 0;
  const queue: { weight: number; go: () => void }[] = [];
  const next = () => {
    // First come, first served: a heavy function at the head is not overtaken by lighter ones.
    while (queue.length && (active === 0 || active + queue[0].weight <= n)) {
      const { weight, go } = queue.shift()!;
      active += weight;
      go();
    }
  };
  return async <R>(fn: () => Promise<R>, weight = 1): Promise<R> => {
    await new Promise<void>((go) => {
      queue.push({ weight, go });
      next();
    });
    try {
      return await fn();
    } finally {
      active -= weight;
      next();
    }
  };
}

/** Boots at once per core (the limit is this times the cores): measured on 2 cores, 4 beat booting all 14 servers at once. */
export const BOOTS_PER_CORE = 4;

/**
 * What a boot weighs against the boot limit: one slot per 30 virtual hosts, at most
 * a core's share. Eight boots of 60–120 hosts at once took 75–200 s each on two
 * cores and one missed its readiness bound: servers boot on the CPU, so fewer at
 * once are each ready sooner. But a boot of 240–420 hosts keeps about one core busy
 * (Prosody and jabberd2 boot on one thread): weighing more than a core's share, it
 * booted alone and left the other core idle (the 1 680-cell run's 18 boots one
 * after another, ~50 % idle for its first 13 s).
 */
export const bootWeight = (hosts: number): number => Math.min(BOOTS_PER_CORE, Math.max(1, hosts / 30));

/**
 * Instances in the order they boot when boots are limited: those a queue of cells
 * runs on first (their cells cannot run side by side, so they are the longest
 * chain of the run), then by how many cells wait for them, most first.
 */
export function busiestFirst<I extends { key: string }>(instances: I[], cells: { initiator: { instance: string }; receiver: { instance: string }; queue?: string }[]): I[] {
  const load = new Map<string, number>();
  const queued = new Set<string>();
  for (const c of cells) {
    for (const k of [c.initiator.instance, c.receiver.instance]) {
      load.set(k, (load.get(k) ?? 0) + 1);
      if (c.queue !== undefined) queued.add(k);
    }
  }
  const rank = (i: I) => (queued.has(i.key) ? 1 : 0);
  return [...instances].sort((a, b) => rank(b) - rank(a) || (load.get(b.key) ?? 0) - (load.get(a.key) ?? 0));
}

/** Queued cells first, each queue in its order, then the others in theirs: a queue's next cell takes the next free slot. */
export function queuesFirst<T extends { queue?: string }>(cells: T[]): T[] {
  return [...cells.filter((c) => c.queue !== undefined), ...cells.filter((c) => c.queue === undefined)];
}
