// A stage as a story, without Docker: fake boots, a fake probe, and deaths handed
// to RunFaults as the watch would report them.
import { describe, expect, it } from "vitest";
import type { TestCa } from "../../ca/index.ts";
import type { StartedRelay } from "../capture/relay.ts";
import type { StartedInstance } from "../instance.ts";
import type { PlannedCell, PlannedInstance, Stage } from "../plan.ts";
import type { ProbeTimeouts } from "../probe/probe.ts";
import type { HostCertificate } from "../servers/adapter.ts";
import type { Attempt, CellSpec } from "../../core/types.ts";
import type { Environment } from "./environment.ts";
import { RunFaults } from "./faults.ts";
import { Stages, type StageDeps } from "./stages.ts";
import { Timings } from "./timings.ts";

const at = new Date("2026-12-04T10:00:00Z");
const killed = (instance: string) => ({ kind: "died" as const, instance, exitCode: 137, oom: false, at });
const KILLED_A = /^a#1 was killed \(SIGKILL, exit code 137\) at \d\d:\d\d:\d\d$/;

const pi = (key: string): PlannedInstance => ({ key, server: `${key[0]}@1`, hosts: [{ domain: `${key[0]}.example`, certificate: "dual-eku", dialback: "on" }] });
const cell = (id: string, from: string, to: string): PlannedCell => ({
  spec: { id } as CellSpec,
  initiator: { instance: from, domain: `${id}-a.example` },
  receiver: { instance: to, domain: `${id}-b.example` },
});

/** The outside world of a stage: which instances run, what each cell did, and hooks a test sets. */
function world(opts: { concurrency?: number; capture?: boolean } = {}) {
  const faults = new RunFaults();
  const alive = new Set<StartedInstance>();
  const starts: string[] = [];
  const removed: string[] = [];
  const log: string[] = [];
  const attempts = new Map<string, Attempt>();
  const ranOn = new Map<string, string[]>();
  const hooks: {
    boot?: (key: string, n: number) => Promise<void>;
    cell?: (id: string, runs: number) => Promise<Attempt | undefined> | undefined;
    relay?: () => Promise<void>;
    stop?: (key: string) => Promise<void>;
  } = {};
  /** With capture: the relay's life (started with these domains, stopped) and the relay each cell ran with. */
  const relay = { domains: [] as string[], stopped: false };
  const cellRelay = new Map<string, unknown>();
  const federates = (c: PlannedCell): Attempt => ({ outcome: "federates", domains: { initiator: c.initiator.domain, receiver: c.receiver.domain }, durationMs: 1 });
  const deps: StageDeps = {
    issueCertificates: async (hosts) => new Map(hosts.map((h) => [h.domain, {} as HostCertificate])),
    startPlanned: async (p) => {
      starts.push(p.key);
      await hooks.boot?.(p.key, starts.filter((k) => k === p.key).length);
      const inst = {
        spec: { key: p.key },
        installedVersion: "1.0",
        stop: async () => {
          await hooks.stop?.(p.key);
          alive.delete(inst);
        },
      } as unknown as StartedInstance;
      alive.add(inst);
      return inst;
    },
    removeInstanceContainers: async (_runId, key) => void removed.push(key),
    startRelay: async (o) => {
      if (!opts.capture) throw new Error("no relay without capture");
      relay.domains = o.hosts.map((h) => h.domain);
      await hooks.relay?.();
      return { stop: async () => void (relay.stopped = true) } as unknown as StartedRelay;
    },
    runCell: async (c, ia, ib, _ca, _timeouts, r) => {
      cellRelay.set(c.spec.id, r);
      const runs = [...(ranOn.get(c.spec.id) ?? []), `${ia.spec.key}>${ib.spec.key}`];
      ranOn.set(c.spec.id, runs);
      return (await hooks.cell?.(c.spec.id, runs.length)) ?? federates(c);
    },
  };
  const entries = new Map(["a@1", "b@1", "c@1"].map((s) => [s, { family: "prosody" }]));
  const env = { network: "net", ca: { trustBundle: "CA" } as TestCa, dns: async () => [], entries, images: new Map(), password: "pw" } as unknown as Environment;
  const stages = new Stages(
    env,
    faults,
    { runId: "r", readyTimeoutMs: 1000, concurrency: opts.concurrency ?? 1, timeouts: {} as ProbeTimeouts, capture: opts.capture ?? false, bootConcurrency: 4, baseConfigOf: () => undefined, log: (s) => void log.push(s), timings: new Timings() },
    deps,
  );
  const run = (stage: Stage) => stages.run(stage, undefined, (spec, a) => void attempts.set(spec.id, a));
  return { faults, alive, starts, removed, log, attempts, ranOn, hooks, stages, run, relay, cellRelay };
}

const never = new Promise<never>(() => {});

describe("Stages.run: a stage's story on fake servers", () => {
  it("each cell runs once on its two servers; every instance started is stopped at the end", async () => {
    const w = world();
    await w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1"), cell("c2", "b#1", "a#1")] });
    expect([...w.attempts.keys()].sort()).toEqual(["c1", "c2"]);
    expect(w.attempts.get("c1")).toMatchObject({ outcome: "federates" });
    expect(Object.fromEntries(w.ranOn)).toEqual({ c1: ["a#1>b#1"], c2: ["b#1>a#1"] });
    expect(w.starts.sort()).toEqual(["a#1", "b#1"]);
    expect(w.alive.size).toBe(0);
    expect(w.stages.stats).toMatchObject({ containersStarted: 2 });
    expect(w.stages.stats.timings.map((s) => s.phase).sort()).toEqual(["boot a#1", "boot b#1", "cells", "certificates"]);
    expect(w.stages.installed.get("a@1")).toBe("1.0");
  });

  it("a server dying mid-cell: that cell is an interrupted error naming the cause; the server is restarted once for the cell still waiting", async () => {
    const w = world();
    w.hooks.cell = (id) => {
      if (id !== "c1") return undefined;
      w.faults.handle(killed("a#1"));
      return never; // the probe would hang on the dead server: the death ends the cell
    };
    await w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1"), cell("c2", "a#1", "b#1")] });
    const c1 = w.attempts.get("c1")!;
    expect(c1).toMatchObject({ outcome: "error", interrupted: true });
    expect(c1.error).toMatch(/^a#1 was killed \(SIGKILL, exit code 137\) at \d\d:\d\d:\d\d while the cell ran$/);
    const c2 = w.attempts.get("c2")!;
    expect(c2.outcome).toBe("federates");
    expect(c2.note).toMatch(/^ran on a#1 restarted after: a#1 was killed \(SIGKILL, exit code 137\) at \d\d:\d\d:\d\d$/);
    expect(w.starts.filter((k) => k === "a#1")).toHaveLength(2);
    expect(w.removed).toEqual(["a#1"]);
    expect(w.log.some((l) => KILLED_A.test(l.split(";")[0]) && l.endsWith("; restarting it once for the 1 cell(s) still waiting on it"))).toBe(true);
    expect(w.alive.size).toBe(0);
  });

  it("a second death of the restarted server stops the run: the cell in flight is not reported", async () => {
    const w = world();
    w.hooks.cell = () => {
      w.faults.handle(killed("a#1"));
      return never;
    };
    const running = w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1"), cell("c2", "a#1", "b#1")] });
    await expect(running).rejects.toThrow(/^a#1 was killed \(SIGKILL, exit code 137\) at \d\d:\d\d:\d\d, a second time \(it had been restarted once\): the run stops/);
    expect(w.faults.failed?.message).toMatch(/a second time/);
    expect([...w.attempts.keys()]).toEqual(["c1"]);
    expect(w.starts.filter((k) => k === "a#1")).toHaveLength(2);
    expect(w.alive.size).toBe(0);
  });

  it("a death when no cell waits on the server any more: no restart", async () => {
    const w = world();
    w.hooks.cell = () => (w.faults.handle(killed("a#1")), never);
    await w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] });
    expect(w.attempts.get("c1")).toMatchObject({ outcome: "error", interrupted: true });
    expect(w.starts.sort()).toEqual(["a#1", "b#1"]);
    expect(w.log.filter((l) => l.includes("restarting"))).toEqual([]);
  });

  it("a server that exits by itself while starting: its own start error ends the stage, not a restart", async () => {
    const w = world();
    w.hooks.boot = async (key, n) => {
      if (key !== "a#1" || n > 1) return;
      w.faults.handle({ kind: "died", instance: "a#1", exitCode: 1, oom: false, at });
      throw new Error("a#1 did not start: its config is rejected");
    };
    await expect(w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] })).rejects.toThrow("a#1 did not start: its config is rejected");
    expect(w.starts.filter((k) => k === "a#1")).toHaveLength(1);
    expect(w.attempts.size).toBe(0);
    expect(w.alive.size).toBe(0);
  });

  it("a server that fails to start stops the stage: the cell already running finishes and is reported; nothing is left running", async () => {
    const w = world({ concurrency: 2 });
    let failC!: () => void;
    const cFails = new Promise<void>((_, reject) => (failC = () => reject(new Error("c#1 did not start"))));
    cFails.catch(() => {});
    w.hooks.boot = (key) => (key === "c#1" ? cFails : Promise.resolve());
    w.hooks.cell = async (id) => {
      if (id !== "c1") return undefined;
      failC();
      await cFails.catch(() => {});
      return undefined;
    };
    const stage = { instances: [pi("a#1"), pi("b#1"), pi("c#1")], cells: [cell("c1", "a#1", "b#1"), cell("c2", "a#1", "c#1")] };
    await expect(w.run(stage)).rejects.toThrow("c#1 did not start");
    expect([...w.attempts.keys()]).toEqual(["c1"]);
    expect(w.alive.size).toBe(0);
  });

  it("the engine goes away mid-cell: the run stops with the engine's words and the cell is not reported", async () => {
    const w = world();
    w.hooks.cell = () => (w.faults.handle({ kind: "engine", restarted: true, at }), never);
    await expect(w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] })).rejects.toThrow(/^the Docker engine restarted at .*; all containers of the run were lost/);
    expect(w.attempts.size).toBe(0);
    expect(w.alive.size).toBe(0);
  });

  it("a cell's error the watch explains afterwards: the death is the cause, not the probe's symptom", async () => {
    const w = world();
    w.hooks.cell = (id) => {
      if (id !== "c1") return undefined;
      // The probe saw "connection refused" before the watch reported the death.
      const a: Attempt = { outcome: "error", error: "harness error: connect ECONNREFUSED", domains: { initiator: "c1-a.example", receiver: "c1-b.example" }, durationMs: 1 };
      return Promise.resolve(a);
    };
    // The watch reports the death once asked to be quiet (after its grace).
    w.faults.quiet = async () => w.faults.handle(killed("a#1"));
    await w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] });
    expect(w.attempts.get("c1")).toMatchObject({ outcome: "error", interrupted: true });
    expect(w.attempts.get("c1")!.error).toMatch(/^a#1 was killed .* while the cell ran$/);
  });

  it("cells of one queue (a quiet self-pair's) run one at a time in plan order, also after one ends in error; the others run beside them", async () => {
    const w = world({ concurrency: 4 });
    let inQueue = 0;
    let peakInQueue = 0;
    const order: string[] = [];
    w.hooks.cell = async (id) => {
      if (!id.startsWith("q")) return undefined;
      peakInQueue = Math.max(peakInQueue, ++inQueue);
      order.push(id);
      // Room for another cell of the queue to start, were it allowed to.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      inQueue--;
      if (id === "q2") return { outcome: "error", error: "harness error: the probe broke", domains: { initiator: "q2-a.example", receiver: "q2-b.example" }, durationMs: 1 } as Attempt;
      return undefined;
    };
    const queued = (c: PlannedCell): PlannedCell => ({ ...c, queue: "j#quiet" });
    const stage = {
      instances: [pi("j#quiet-a"), pi("j#quiet-b"), pi("a#1"), pi("b#1")],
      cells: [queued(cell("q1", "j#quiet-a", "j#quiet-b")), cell("c1", "a#1", "b#1"), queued(cell("q2", "j#quiet-a", "j#quiet-b")), queued(cell("q3", "j#quiet-a", "j#quiet-b"))],
    };
    await w.run(stage);
    expect(peakInQueue).toBe(1);
    expect(order).toEqual(["q1", "q2", "q3"]);
    expect(w.attempts.get("q2")).toMatchObject({ outcome: "error" });
    expect(w.attempts.get("q3")).toMatchObject({ outcome: "federates" });
    expect(w.alive.size).toBe(0);
  });

  it("with --capture the servers boot while the relay starts; no cell runs before it is up; it holds every domain and is stopped at the end", async () => {
    const w = world({ capture: true });
    let relayUp!: () => void;
    w.hooks.relay = () => new Promise<void>((r) => (relayUp = r));
    const bothBooted = new Promise<void>((r) => (w.hooks.boot = async () => void (w.starts.length === 2 && r())));
    const running = w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] });
    await bothBooted;
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(w.attempts.size).toBe(0); // the servers are up, the relay is not
    relayUp();
    await running;
    expect(w.relay.domains.sort()).toEqual(["a.example", "b.example"]);
    expect(w.cellRelay.get("c1")).toBeDefined();
    expect(w.relay.stopped).toBe(true);
    expect(w.alive.size).toBe(0);
  });

  it("with --capture the relay is stopped with the last servers, not after them", async () => {
    const w = world({ capture: true });
    const seen: string[] = [];
    // A server's stop takes a few turns of the loop; the relay's is asked for meanwhile.
    w.hooks.stop = async (key) => {
      for (let i = 0; i < 10 && !w.relay.stopped; i++) await new Promise((r) => setImmediate(r));
      seen.push(`${key}: relay ${w.relay.stopped ? "stopped" : "running"}`);
    };
    await w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] });
    expect(seen.sort()).toEqual(["a#1: relay stopped", "b#1: relay stopped"]);
    expect(w.alive.size).toBe(0);
  });

  it("with --capture a relay that fails to start stops the stage: no cell runs, every server booted is stopped", async () => {
    const w = world({ capture: true });
    w.hooks.relay = async () => {
      throw new Error("the relay did not start");
    };
    await expect(w.run({ instances: [pi("a#1"), pi("b#1")], cells: [cell("c1", "a#1", "b#1")] })).rejects.toThrow("the relay did not start");
    expect(w.attempts.size).toBe(0);
    expect(w.alive.size).toBe(0);
  });
});
