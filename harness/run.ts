// Runs cells on real servers: the environment (images, network, name server, CA),
// the stages (boots, relay) with the cells in them, and the re-run of unexpected
// cells (runner/). The watch (runner/watch.ts) ends the run at once when the engine
// goes away or a server dies twice. Everything it starts is labelled with the run
// id and removed before it returns, whatever happens.
import { availableParallelism } from "node:os";
import { docker } from "./docker/client.ts";
import { removalLine, removeDeadRuns, removeRun } from "./docker/cleanup.ts";
import { plan, type Isolation } from "./plan.ts";
import { BOOTS_PER_CORE, slowFirst } from "./schedule.ts";
import { DEFAULT_TIMEOUTS, type ProbeTimeouts } from "./probe/probe.ts";
import type { RunServers } from "./named-servers.ts";
import type { Attempt, CellResult, CellSpec } from "../core/types.ts";
import { settle, toResult } from "./runner/cell.ts";
import { ensureImages, openEnvironment, type Environment } from "./runner/environment.ts";
import { RunFaults } from "./runner/faults.ts";
import { STAGE_DEPS, Stages, type RunStats, type StageDeps } from "./runner/stages.ts";
import { Timings } from "./runner/timings.ts";

export interface RunOptions {
  runId: string;
  cells: CellSpec[];
  /** What runs under each name the cells use; without it (or for a name it lacks) the name is a catalog `family@version`. */
  runServers?: RunServers;
  isolation?: Isolation;
  concurrency?: number;
  timeouts?: ProbeTimeouts;
  readyTimeoutMs?: number;
  /** Re-run each unexpected cell once in fresh virtual hosts (default true). */
  retryUnexpected?: boolean;
  /**
   * Keep the run's CA and leaf keys in this directory (0700, keys 0600). Without it
   * no key touches the disk: they live in memory and inside the run's containers.
   */
  keepKeysDir?: string;
  /**
   * Put the TLS-intercepting relay between the servers: every domain resolves to
   * it and it records each s2s negotiation decrypted (harness/capture/).
   */
  capture?: boolean;
  /** Operator config files (scenario `config:`) by server name (CellSide.server): the adapter's base. */
  baseConfigs?: Record<string, { file: string; text: string }>;
  log?: (s: string) => void;
  onCellStart?: (spec: CellSpec) => void;
  /** Replaces parts a stage works through: a test's seam (e.g. a server killed at a chosen point of a cell). */
  stageDeps?: Partial<StageDeps>;
  onCellDone?: (result: CellResult) => void;
  /**
   * Each cell's first measurement, before a re-run of an unexpected one decides it:
   * what an interrupted run still has to report.
   */
  onCellMeasured?: (result: CellResult) => void;
}

export type { RunStats };
export { settle };

// Cells mostly wait on the network; measured on 2 cores, 8 per core beat 3 per core by ~25 %.
export const defaultConcurrency = (): number => Math.min(32, Math.max(2, availableParallelism() * 8));

export const bootConcurrency = (): number => Math.max(2, availableParallelism() * BOOTS_PER_CORE);


/** Runs `fn` over items with at most `n` at a time, keeping order of results. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export async function runCells(opts: RunOptions): Promise<{ results: CellResult[]; stats: RunStats }> {
  const log = opts.log ?? (() => {});
  const isolation = opts.isolation ?? "vhost";
  const concurrency = Math.max(1, opts.concurrency ?? defaultConcurrency());

  const timings = new Timings();
  const d = await docker();
  const leftovers = removalLine("leftovers of dead runs", await removeDeadRuns());
  if (leftovers) log(leftovers);
  const images = await ensureImages(opts.cells, opts.runServers, !!opts.capture, log, timings);

  const faults = new RunFaults();
  await faults.start(d, opts.runId);
  const environment = openEnvironment(d, opts.runId, images, { keepKeysDir: opts.keepKeysDir, log, timings });
  let stages: Stages | undefined;
  try {
    const env = await faults.race(environment.opening);
    stages = new Stages(env, faults, {
      runId: opts.runId,
      readyTimeoutMs: opts.readyTimeoutMs ?? 120_000,
      // Isolated mode: each stage is one cell on its own two containers.
      concurrency: isolation === "vhost" ? concurrency : 1,
      timeouts: opts.timeouts ?? DEFAULT_TIMEOUTS,
      capture: !!opts.capture,
      keepKeysDir: opts.keepKeysDir,
      bootConcurrency: bootConcurrency(),
      // An operator's config: given to runCells directly (API), else the scenario's `config:` of the server's name.
      baseConfigOf: (server) => opts.baseConfigs?.[server] ?? opts.runServers?.get(server)?.config,
      log,
      timings,
    }, { ...STAGE_DEPS, ...opts.stageDeps });
    const round = roundRunner(opts, env, stages, isolation, concurrency, log);

    const first = new Map<CellSpec, Attempt>();
    const results = new Map<CellSpec, CellResult>();
    await round(opts.cells, "c", true, (spec, a) => {
      first.set(spec, a);
      const r = toResult(spec, [a], a.outcome, stages!.installed);
      results.set(spec, r);
      opts.onCellMeasured?.(r);
      if (r.asExpected || opts.retryUnexpected === false) opts.onCellDone?.(r);
    });
    const unexpected = opts.cells.filter((c) => !results.get(c)!.asExpected);
    if (unexpected.length && opts.retryUnexpected !== false) {
      log(`re-running ${unexpected.length} unexpected cell(s) once in fresh virtual hosts`);
      const second = await round(unexpected, "r", false);
      for (const spec of unexpected) {
        const a = first.get(spec)!;
        const b = second.get(spec)!;
        const r = toResult(spec, [a, b], settle(a, b), stages.installed);
        results.set(spec, r);
        opts.onCellDone?.(r);
      }
    }
    return { results: opts.cells.map((c) => results.get(c)!), stats: stages.stats };
  } finally {
    // The run's own removals are no faults.
    faults.close();
    await timings.time("teardown", async () => {
      await stages?.stopAll();
      await environment.close();
      // What is still there is said, not dropped: the next run's start tries it again.
      const left = await removeRun(opts.runId).catch(() => undefined);
      if (left?.failed?.length) log(removalLine("teardown", left)!);
    });
  }
}

/** One round of cells (the first, or the re-run of the unexpected ones) planned into stages and run. */
function roundRunner(opts: RunOptions, env: Environment, stages: Stages, isolation: Isolation, concurrency: number, log: (s: string) => void) {
  return async (specs: CellSpec[], prefix: string, report: boolean, onAttempt?: (spec: CellSpec, a: Attempt) => void) => {
    // Numbers (domains) follow the scenario; the order only puts slow cells first, in both modes.
    const numbered = slowFirst(specs.map((spec) => ({ spec, n: opts.cells.indexOf(spec) + 1 })));
    const planned = plan(numbered, {
      isolation,
      prefix,
      maxVirtualHosts: (server) => env.adapterOf(server).maxVirtualHosts,
      serverWideKey: (server, host) => env.adapterOf(server).serverWideKey?.(host),
      quietSelfPair: (server) => env.adapterOf(server).quietSelfPair === true,
    });
    if (isolation === "vhost") {
      const keys = planned[0].instances.map((i) => i.key);
      log(`starting ${keys.length} containers for ${specs.length} cells: ${keys.join(", ")}`);
    }
    const all = new Map<CellSpec, Attempt>();
    // Isolated mode: each stage is one cell on its own two containers; a few at once.
    await pool(planned, isolation === "vhost" ? 1 : Math.max(1, Math.floor(concurrency / 2)), (stage) =>
      stages.run(stage, report ? opts.onCellStart : undefined, (spec, a) => {
        all.set(spec, a);
        onAttempt?.(spec, a);
      }),
    );
    return all;
  };
}
