// `s2s-matrix run --json`: the run's summary on stdout for scripts and the GitHub
// action: counts, which cells were unexpected or regressed (each with the scenario
// file and the line of the rule that decided its expectation), and the report paths.
import { EXIT } from "../../core/errors.ts";
import type { CellResult, RunResults } from "../../core/types.ts";
import type { BaselineComparison } from "./baseline.ts";

/** The counts of a run's (or merged shards') cells. */
export function summarize(cells: CellResult[]): RunResults["summary"] {
  return {
    total: cells.length,
    asExpected: cells.filter((c) => c.asExpected).length,
    unexpected: cells.filter((c) => !c.asExpected).length,
    errors: cells.filter((c) => c.outcome === "error").length,
    flaky: cells.filter((c) => c.outcome === "flaky").length,
    oneWay: cells.filter((c) => c.outcome === "one-way").length,
    retried: cells.filter((c) => c.retried).length,
  };
}

/** A finished run's exit code: 1 for an unexpected cell or a regression against the baseline, else 0. */
export function resultsExitCode(summary: RunResults["summary"], comparison?: BaselineComparison): 0 | 1 {
  return summary.unexpected > 0 || (comparison?.regressions.length ?? 0) > 0 ? EXIT.unexpected : EXIT.ok;
}

export interface Located {
  id: string;
  scenario: string;
  /** Scenario file as given on the command line, and the deciding rule's 1-based line (absent for `default`). */
  file?: string;
  line?: number;
  /** "default" or "expect.rules[i]". */
  rule?: string;
}

export interface RunSummary {
  schema: "s2s-matrix/summary@1";
  exitCode: number;
  runId: string;
  counts: { total: number; asExpected: number; unexpected: number; errors: number; flaky: number; retried?: number; regressions: number };
  unexpected: (Located & { outcome: string; mismatch?: string })[];
  regressions: (Located & { before: string; after: string })[];
  /** baselineJsonl: absent for an incomplete run, which writes no baseline. */
  reports: { resultsJson: string; matrixMd: string; matrixHtml: string; junitXml: string; baselineJsonl?: string };
}

/**
 * The summary of a run or of merged shards: the same object for both, the rules located
 * through results.sources. `files` as writeReports returns them (REPORT_FILES order, then baseline.jsonl).
 */
export function runSummary(results: RunResults, files: string[], exitCode: number, comparison?: BaselineComparison): RunSummary {
  const byName = new Map((results.sources ?? []).map((s) => [s.scenario, s]));
  const spec = new Map(results.cells.map((c) => [`${c.spec.scenario}\u0000${c.spec.id}`, c.spec]));
  const locate = (id: string, scenario: string): Located => {
    const sc = byName.get(scenario);
    const source = spec.get(`${scenario}\u0000${id}`)?.expected.source;
    const line = source !== undefined ? sc?.lines[source] : undefined;
    return { id, scenario, ...(sc ? { file: sc.file } : {}), ...(line !== undefined ? { line } : {}), ...(source ? { rule: source } : {}) };
  };
  const regressions = comparison?.regressions ?? [];
  return {
    schema: "s2s-matrix/summary@1",
    exitCode,
    runId: results.runId,
    counts: { ...results.summary, regressions: regressions.length },
    unexpected: results.cells
      .filter((c) => !c.asExpected)
      .map((c) => ({ ...locate(c.spec.id, c.spec.scenario), outcome: c.outcome, ...(c.mismatch ? { mismatch: c.mismatch } : {}) })),
    regressions: regressions.map((r) => ({ ...locate(r.id, r.scenario), before: r.beforeText, after: r.afterText })),
    reports: { resultsJson: files[0], matrixMd: files[1], matrixHtml: files[2], junitXml: files[3], ...(files[4] ? { baselineJsonl: files[4] } : {}) },
  };
}
