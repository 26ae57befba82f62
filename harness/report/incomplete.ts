// A run that ended early (engine lost, a server dead twice, Ctrl-C, --timeout, a
// crash): the words every report uses to say so, and which cells were not run.
import type { RunResults } from "../../core/types.ts";

/** `⚠️ incomplete: 3 of 9 cells finished`, or undefined for a complete run. */
export function incompleteHeadline(r: RunResults): string | undefined {
  const i = r.incomplete;
  return i && `⚠️ incomplete: ${i.finished} of ${i.finished + i.notRun.length} cells finished`;
}

/** The banner: counts, why the run stopped (its first line), the exit code, and how to finish it. */
export function incompleteBanner(r: RunResults): string | undefined {
  const i = r.incomplete;
  if (!i) return undefined;
  const why = i.reason.split("\n")[0];
  return (
    `Incomplete run: ${i.finished} cell${i.finished === 1 ? "" : "s"} finished, ${i.notRun.length} not run. ` +
    `The run stopped (exit ${i.exitCode}) because: ${why}. ` +
    `Run the same command with --resume <this directory>/results.json to run only the cells not run.`
  );
}

/** `Resumed run 20260101-…: 4 cells kept from it, the others run now.` */
export function resumedLine(r: RunResults): string | undefined {
  return r.resumed && `Resumed run ${r.resumed.runId} (started ${r.resumed.startedAt}): ${r.resumed.cells} finished cell${r.resumed.cells === 1 ? "" : "s"} kept from it, the others run in this run.`;
}

/** Why a not-run cell was not run (junit's skipped message). */
export const notRunMessage = (r: RunResults): string => `not run: the run stopped early (${r.incomplete?.reason.split("\n")[0] ?? "unknown"})`;
