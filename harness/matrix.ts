// From scenario files to a judged matrix: load and validate everything first,
// then run the cells, then compare with a baseline. Used by the CLI, the
// vitest scenario suite and the benchmark.
import { readFile } from "node:fs/promises";
import { expandCells, loadScenario, type Scenario } from "../scenarios/index.ts";
import { resolveServer } from "./catalog.ts";
import { UsageError } from "./errors.ts";
import { newRunId, HARNESS_VERSION } from "./docker/labels.ts";
import { compareBaseline, type BaselineComparison } from "./report/baseline.ts";
import { runCells, type RunOptions, type RunStats } from "./run.ts";
import type { CellSpec, RunResults } from "./types.ts";

export interface MatrixOptions extends Omit<RunOptions, "runId" | "cells"> {
  scenarioFiles: string[];
  /** Keep only cells whose id contains one of these texts. */
  only?: string[];
  /** Extra servers (`family@version`) added to every scenario. */
  servers?: string[];
  runId?: string;
}

export interface Prepared {
  scenarios: Scenario[];
  cells: CellSpec[];
}

/** Loads, validates and expands; throws UsageError (exit 2) before anything starts. */
export async function prepare(opts: Pick<MatrixOptions, "scenarioFiles" | "only" | "servers">): Promise<Prepared> {
  if (!opts.scenarioFiles.length) throw new UsageError("no scenario file given; usage: s2s-matrix run <scenario.yaml>...");
  const extra = (opts.servers ?? []).map((s) => s.trim()).filter(Boolean);
  for (const s of extra) resolveServer(s);
  const scenarios: Scenario[] = [];
  for (const file of opts.scenarioFiles) {
    const sc = await loadScenario(file);
    for (const s of extra) if (!sc.servers.some((x) => x.id === s)) sc.servers.push({ id: s, optional: false });
    scenarios.push(sc);
  }
  let cells = scenarios.flatMap((sc) => expandCells(sc));
  if (opts.only?.length) {
    const before = cells.length;
    cells = cells.filter((c) => opts.only!.some((o) => c.id.includes(o)));
    if (!cells.length) {
      throw new UsageError(`--only ${opts.only.map((o) => JSON.stringify(o)).join(", ")} matches none of the ${before} cells; a cell id looks like "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]"`);
    }
  }
  if (!cells.length) throw new UsageError(`the scenario(s) ${opts.scenarioFiles.join(", ")} expand to no cells`);
  return { scenarios, cells };
}

export async function loadBaseline(file: string): Promise<RunResults> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--baseline ${file}: cannot read it as JSON (${(e as Error).message}); give the results.json of an earlier run`);
  }
  const r = data as RunResults;
  if (r?.schema !== "s2s-matrix/results@1" || !Array.isArray(r.cells)) {
    throw new UsageError(`--baseline ${file}: not an s2s-matrix results.json (field "schema" must be "s2s-matrix/results@1")`);
  }
  return r;
}

export interface MatrixRun {
  results: RunResults;
  stats: RunStats;
  comparison?: BaselineComparison;
  exitCode: 0 | 1;
}

export async function runMatrix(prepared: Prepared, opts: MatrixOptions & { baseline?: RunResults }): Promise<MatrixRun> {
  const runId = opts.runId ?? newRunId();
  const started = new Date();
  const { results: cells, stats } = await runCells({ ...opts, runId, cells: prepared.cells });
  const results: RunResults = {
    schema: "s2s-matrix/results@1",
    harnessVersion: HARNESS_VERSION,
    runId,
    scenarios: prepared.scenarios.map((s) => s.name),
    isolation: opts.isolation ?? "vhost",
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    cells,
    summary: {
      total: cells.length,
      asExpected: cells.filter((c) => c.asExpected).length,
      unexpected: cells.filter((c) => !c.asExpected).length,
      errors: cells.filter((c) => c.outcome === "error").length,
      flaky: cells.filter((c) => c.outcome === "flaky").length,
    },
  };
  const comparison = opts.baseline ? compareBaseline(results, opts.baseline) : undefined;
  const failed = results.summary.unexpected > 0 || (comparison?.regressions.length ?? 0) > 0;
  return { results, stats, comparison, exitCode: failed ? 1 : 0 };
}
