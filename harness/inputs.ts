// What a run is given, read and checked before anything starts: the scenario files
// (expanded into cells), a baseline, a results.json made into a baseline. A mistake
// here is a UsageError (exit 2). Nothing here reaches Docker, so that the CLI answers
// bad input without loading the runner.
import { readFile } from "node:fs/promises";
import { expandCells, loadScenario, type Scenario } from "../scenarios/index.ts";
import { UsageError } from "../core/errors.ts";
import { collectServers, extraServer, type RunServers } from "./named-servers.ts";
import { baselineMismatch } from "./report/baseline.ts";
import { checkResults, parseJson } from "./report/read-results.ts";
import { BASELINE_FILE, BASELINE_FORMAT, baselineOf, isBaselineText, parseBaseline, type Baseline } from "./report/baseline-file.ts";
import type { CellSpec, RunResults } from "../core/types.ts";

export interface PrepareOptions {
  scenarioFiles: string[];
  /** Keep only cells whose id contains one of these texts. */
  only?: string[];
  /** Extra servers (`family@version`, or `name=family@version`) added to every scenario. */
  servers?: string[];
}

export interface Prepared {
  scenarios: Scenario[];
  cells: CellSpec[];
  /** What runs under each name the cells use; absent: every name is a catalog `family@version`. */
  servers?: RunServers;
}

/** Loads, validates and expands; throws UsageError (exit 2) before anything starts. */
export async function prepare(opts: PrepareOptions): Promise<Prepared> {
  if (!opts.scenarioFiles.length) throw new UsageError("no scenario file given; usage: s2s-matrix run <scenario.yaml>...");
  const extra = (opts.servers ?? []).map((s) => s.trim()).filter(Boolean).map(extraServer);
  const scenarios: Scenario[] = [];
  for (const file of opts.scenarioFiles) {
    const sc = await loadScenario(file);
    for (const s of extra) if (!sc.servers.some((x) => x.id === s.id)) sc.servers.push({ ...s });
    scenarios.push(sc);
  }
  const servers = collectServers(scenarios);
  let cells = scenarios.flatMap((sc) => expandCells(sc));
  if (opts.only?.length) {
    const before = cells.length;
    cells = cells.filter((c) => opts.only!.some((o) => c.id.includes(o)));
    if (!cells.length) {
      throw new UsageError(`--only ${opts.only.map((o) => JSON.stringify(o)).join(", ")} matches none of the ${before} cells; a cell id looks like "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]"`);
    }
  }
  if (!cells.length) throw new UsageError(`the scenario(s) ${opts.scenarioFiles.join(", ")} expand to no cells`);
  return { scenarios, cells, servers };
}

/**
 * Reads a baseline to compare with: a baseline.jsonl (`s2s-matrix baseline`) or the
 * results.json of an earlier run, told apart by the first line. Given this run's cells
 * (and its --only texts), a baseline whose cells mostly find no partner here, or whose
 * server looks bumped under another name, is a UsageError (exit 2) saying how to name
 * servers: never a silent pass.
 */
export async function loadBaseline(file: string, run?: { cells: CellSpec[]; only?: string[] }): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`--baseline ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the ${BASELINE_FILE} or results.json of an earlier run`);
  }
  const baseline = isBaselineText(text) ? parseBaseline(text, file) : baselineOf(resultsBaseline(text, file));
  if (!run) return baseline;
  const problem = baselineMismatch(run.cells, baseline, run.only);
  if (problem) throw new UsageError(`--baseline ${file}: ${problem}`);
  return baseline;
}

/**
 * `s2s-matrix baseline <file>`: the baseline of a results.json (or a baseline.jsonl, checked
 * and sorted again). An incomplete run has none: committed, it would gate against half a run.
 */
export async function baselineOfFile(file: string): Promise<Baseline> {
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`baseline ${file}: cannot read it (${e.code ?? e.message}); give the results.json of a run`);
  });
  if (isBaselineText(text)) return parseBaseline(text, file, "baseline");
  const results = resultsBaseline(text, file, "baseline");
  if (results.incomplete) {
    throw new UsageError(
      `baseline ${file}: the run is incomplete (${results.incomplete.finished} of ${results.incomplete.finished + results.incomplete.notRun.length} cells finished: ${results.incomplete.reason}); ` +
        `finish it with s2s-matrix run … --resume ${file} and make the baseline from that run's results.json`,
    );
  }
  return baselineOf(results);
}

/** A results.json given as a baseline, checked against its schema. */
function resultsBaseline(text: string, file: string, flag = "--baseline"): RunResults {
  const reader = { name: `${flag} ${file}`, give: `the ${BASELINE_FILE} or results.json of an earlier run` };
  const data = parseJson(text, reader) as Partial<RunResults> | null;
  // Two formats are accepted here: say both when it is neither.
  if (data?.schema !== "s2s-matrix/results@1" || !Array.isArray(data.cells)) {
    throw new UsageError(`${flag} ${file}: neither a ${BASELINE_FILE} (first line {"format":"${BASELINE_FORMAT}",…}) nor an s2s-matrix results.json (field "schema" must be "s2s-matrix/results@1")`);
  }
  // The comparison runs after the whole run: a baseline it could not read would cost every report.
  return checkResults(data, reader);
}
