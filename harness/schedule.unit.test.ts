import { describe, expect, test } from "vitest";
import { BOOTS_PER_CORE, bootWeight, busiestFirst, limiter, poolWhenReady, queuesFirst, slowFirst, turns } from "./schedule.ts";
import type { CellSide, CellSpec, Expectation } from "../core/types.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));
const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
};

describe("poolWhenReady: cells start as soon as their servers are up", () => {
  test("a ready item goes before an earlier one still waiting; all run", async () => {
    const gates = { a: deferred(), b: deferred(), c: deferred() };
    const order: string[] = [];
    const done = poolWhenReady(["a", "b", "c"] as const, 1, (k) => gates[k].promise, async (k) => void order.push(k));
    gates.c.resolve();
    await tick();
    gates.a.resolve();
    gates.b.resolve();
    await done;
    expect(order).toEqual(["c", "a", "b"]);
  });

  test("never more than n at once", async () => {
    let active = 0;
    let peak = 0;
    await poolWhenReady([1, 2, 3, 4, 5, 6], 2, async () => {}, async () => {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
    });
    expect(peak).toBe(2);
  });

  test("a server that fails to start: nothing new starts, running items finish, then its error", async () => {
    const up = deferred();
    const broken = deferred();
    const finished: number[] = [];
    const run = poolWhenReady([1, 2, 3], 3, (n) => (n === 1 ? up.promise : broken.promise), async (n) => {
      await tick();
      finished.push(n);
    });
    up.resolve();
    await new Promise((r) => setTimeout(r, 1));
    broken.reject(new Error("prosody@13.0.7#1 did not become ready"));
    await expect(run).rejects.toThrow(/did not become ready/);
    expect(finished).toEqual([1]);
  });
});

describe("turns: cells of one queue run one after another", () => {
  /** Whether the promise has settled: everything already settled runs its callbacks before setImmediate's. */
  const settled = (p: Promise<unknown>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

  test("each item's turn comes when the one before it in its queue is done, failed or not; others never wait", async () => {
    const items = ["q1", "x", "q2", "q3"];
    const t = turns(items, (i) => (i.startsWith("q") ? "q" : undefined));
    expect(await settled(t.turn("q1"))).toBe(true);
    expect(await settled(t.turn("x"))).toBe(true);
    expect(await settled(t.turn("q2"))).toBe(false);
    t.done("x"); // another queue's (none) is no business of q2's
    expect(await settled(t.turn("q2"))).toBe(false);
    t.done("q1");
    expect(await settled(t.turn("q2"))).toBe(true);
    expect(await settled(t.turn("q3"))).toBe(false);
    t.done("q2");
    expect(await settled(t.turn("q3"))).toBe(true);
  });

  test("with poolWhenReady: never two of a queue at once, in their order, while the rest run beside them", async () => {
    const items = ["q1", "a", "q2", "b", "q3", "c"];
    const t = turns(items, (i) => (i.startsWith("q") ? "q" : undefined));
    let inQueue = 0;
    let peakInQueue = 0;
    let peak = 0;
    let active = 0;
    const order: string[] = [];
    await poolWhenReady(items, 4, (i) => t.turn(i), async (i) => {
      peak = Math.max(peak, ++active);
      if (i.startsWith("q")) peakInQueue = Math.max(peakInQueue, ++inQueue);
      order.push(i);
      await tick();
      if (i.startsWith("q")) inQueue--;
      active--;
      t.done(i);
    });
    expect(peakInQueue).toBe(1);
    expect(order.filter((i) => i.startsWith("q"))).toEqual(["q1", "q2", "q3"]);
    expect(peak).toBeGreaterThan(1);
  });
});

const side = (server: string, certificate: CellSide["certificate"] = "server-only", dialback: CellSide["dialback"] = "off"): CellSide => ({ server, certificate, dialback });
const cell = (a: CellSide, b: CellSide, expected: Partial<Expectation>): { spec: CellSpec } => ({
  spec: { id: `${a.server} → ${b.server}`, scenario: "t", initiator: a, receiver: b, expected: { outcome: "federates", source: "default", ...expected } },
});

describe("slowFirst: cells that must wait out the ping timeout go first", () => {
  test("a pair whose reverse is expected to fail, and a cell expecting its ping to fail, lead; the rest keep their order", () => {
    const p = side("prosody@13.0.7");
    const e = side("ejabberd@23.01");
    const cells = [
      cell(p, p, {}),
      cell(p, e, { outcome: "fails" }), // e refuses p: so e → p is one-way
      cell(e, p, {}),
      cell(side("prosody@0.12.3"), p, {}),
      cell(p, side("prosody@0.12.3"), { ping: "fails" }),
    ];
    expect(slowFirst(cells).map((c) => cells.indexOf(c))).toEqual([2, 4, 0, 1, 3]);
  });

  test("the reverse must match certificate and dialback too", () => {
    const cells = [cell(side("a@1"), side("b@1"), {}), cell(side("b@1", "dual-eku"), side("a@1"), { outcome: "fails" })];
    expect(slowFirst(cells)).toEqual(cells);
  });
});

describe("limiter and busiestFirst: how servers boot", () => {
  test("at most n run at once, the others in the order given", async () => {
    const limit = limiter(2);
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        limit(async () => {
          started.push(n);
          peak = Math.max(peak, ++active);
          await tick();
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });

  test("weighted: heavy work runs with less beside it, in order, and one over the limit runs alone", async () => {
    const limit = limiter(100);
    const log: string[] = [];
    let load = 0;
    let peak = 0;
    const run = (name: string, weight: number) =>
      limit(async () => {
        load += weight;
        peak = Math.max(peak, load);
        log.push(`+${name}`);
        await tick();
        log.push(`-${name}`);
        load -= weight;
      }, weight);
    await Promise.all([run("a", 60), run("b", 60), run("c", 30), run("huge", 360), run("d", 10)]);
    expect(peak).toBe(360);
    // b waits for a (120 > 100); c joins b; huge waits until nothing runs; d is not let past it.
    expect(log).toEqual(["+a", "-a", "+b", "+c", "-b", "-c", "+huge", "-huge", "+d", "-d"]);
  });

  test("a boot weighs a slot per 30 hosts, at most a core's share: on two cores two big servers boot at once, not one", async () => {
    expect([10, 60, 90, 120, 240, 420].map(bootWeight)).toEqual([1, 2, 3, 4, 4, 4]);
    const limit = limiter(2 * BOOTS_PER_CORE);
    let active = 0;
    let peak = 0;
    const boot = (hosts: number) =>
      limit(async () => {
        peak = Math.max(peak, ++active);
        await tick();
        active--;
      }, bootWeight(hosts));
    await Promise.all([boot(420), boot(300), boot(300), boot(240)]);
    expect(peak).toBe(2);
  });

  test("a failure frees its slot", async () => {
    const limit = limiter(1);
    await expect(limit(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limit(async () => 7)).resolves.toBe(7);
  });

  test("the instance most cells wait for boots first", () => {
    const inst = [{ key: "p#2" }, { key: "p#1" }, { key: "e#1" }];
    const cells = [
      { initiator: { instance: "p#2" }, receiver: { instance: "p#1" } },
      { initiator: { instance: "p#1" }, receiver: { instance: "e#1" } },
      { initiator: { instance: "e#1" }, receiver: { instance: "p#1" } },
    ];
    expect(busiestFirst(inst, cells).map((i) => i.key)).toEqual(["p#1", "e#1", "p#2"]);
  });

  test("the instances a queue runs on boot before busier ones: their cells form the longest chain", () => {
    const inst = [{ key: "p#1" }, { key: "j#quiet-a" }, { key: "e#1" }, { key: "j#quiet-b" }];
    const cells = [
      { initiator: { instance: "p#1" }, receiver: { instance: "e#1" } },
      { initiator: { instance: "e#1" }, receiver: { instance: "p#1" } },
      { initiator: { instance: "p#1" }, receiver: { instance: "p#1" } },
      { initiator: { instance: "j#quiet-a" }, receiver: { instance: "j#quiet-b" }, queue: "j#quiet" },
    ];
    expect(busiestFirst(inst, cells).map((i) => i.key)).toEqual(["j#quiet-a", "j#quiet-b", "p#1", "e#1"]);
  });
});

test("queuesFirst: queued cells lead, each group keeping its order", () => {
  const cells = [{ id: 1 }, { id: 2, queue: "q" }, { id: 3 }, { id: 4, queue: "r" }, { id: 5, queue: "q" }];
  expect(queuesFirst(cells).map((c) => c.id)).toEqual([2, 4, 5, 1, 3]);
});
