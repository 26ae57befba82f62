// `run --resume <results.json>`: the cells an earlier, incomplete run did not finish
// are run, the ones it finished are kept, and the whole matrix is written as one run.
// A results file of another scenario, cell set, isolation or harness version is
// refused (exit 2) the way merge refuses shards of different runs (merge.ts `same`).
import { UsageError } from "../core/errors.ts";
import { HARNESS_VERSION } from "./docker/labels.ts";
import { same } from "./merge.ts";
import { cellKey } from "./report/baseline.ts";
import { readResults } from "./report/read-results.ts";
import { cellsDigest } from "./shard.ts";
import type { CellResult, CellSpec, RunResults } from "../core/types.ts";

/**
 * A cell is matched by its scenario and baseline.ts's cellKey (its servers' names and
 * combination, rebuilt from its fields): two scenario files of one run may hold the
 * same pair, and the digest check below already holds ids and expectations equal.
 */
const keyOf = (spec: CellSpec): string => `${spec.scenario}\u0000${cellKey(spec)}`;

/** Whether an earlier run finished a cell: it has a result whose deciding attempt was not cut short by a server's death. */
export const finished = (c: CellResult): boolean => !c.attempts[c.attempts.length - 1]?.interrupted;

/** The digest of the whole run a results file was made from. */
const digestOf = (r: RunResults): string => r.incomplete?.digest ?? cellsDigest(r.cells.map((c) => c.spec));

/** Pure: refuses a results file that is not of this run's scenarios, cells, isolation and harness version. */
export function checkResumable(file: string, earlier: RunResults, run: { scenarios: string[]; cells: CellSpec[]; isolation: string }): void {
  const now: RunResults = {
    schema: "s2s-matrix/results@1",
    harnessVersion: HARNESS_VERSION,
    runId: "",
    scenarios: run.scenarios,
    isolation: run.isolation as RunResults["isolation"],
    startedAt: "",
    durationMs: 0,
    cells: [],
    summary: { total: 0, asExpected: 0, unexpected: 0, errors: 0, flaky: 0, oneWay: 0 },
    incomplete: { reason: "", exitCode: 0, finished: 0, notRun: [], digest: cellsDigest(run.cells) },
  };
  const inputs = [
    { file, results: earlier },
    { file: "this run", results: now },
  ];
  const command = `--resume ${file}`;
  same(inputs, "harness versions", (r) => r.harnessVersion, "resume with the s2s-matrix version that made it, or run the whole matrix again", command);
  same(inputs, "scenarios", (r) => JSON.stringify(r.scenarios), "give the same scenario files as the run you resume", command);
  same(
    inputs,
    "cell sets (same scenario names, different cells: a scenario file, --only or --servers changed)",
    (r) => `${digestOf(r)}`,
    "resume with the same scenario files and options as the run you resume",
    command,
  );
  same(inputs, "isolation modes", (r) => r.isolation, "resume with the same --isolation", command);
  if (earlier.shard) throw new UsageError(`${command}: it is the results of a shard (--shard ${earlier.shard.index}/${earlier.shard.count}); resume the whole run's results, or run that shard again`);
  if (!earlier.incomplete && earlier.cells.every(finished)) {
    throw new UsageError(`${command}: that run is complete (all ${earlier.cells.length} cells finished); nothing to resume. Run without --resume to measure again`);
  }
}

/** Pure: the cells to run now, and the earlier results kept (in the run's order). */
export function resumeSelection(cells: CellSpec[], earlier: RunResults): { kept: CellResult[]; toRun: CellSpec[] } {
  const done = new Map(earlier.cells.filter(finished).map((c) => [keyOf(c.spec), c]));
  const kept: CellResult[] = [];
  const toRun: CellSpec[] = [];
  for (const spec of cells) {
    const r = done.get(keyOf(spec));
    if (r) kept.push(r);
    else toRun.push(spec);
  }
  return { kept, toRun };
}

/** Reads and checks a results.json to resume; anything wrong is a UsageError naming the file. */
export async function loadResume(file: string, run: { scenarios: string[]; cells: CellSpec[]; isolation: string }): Promise<RunResults> {
  const earlier = await readResults(file, { name: `--resume ${file}`, give: "the results.json an interrupted s2s-matrix run wrote" });
  checkResumable(file, earlier, run);
  return earlier;
}
