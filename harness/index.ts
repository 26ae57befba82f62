// The harness as a library: run a matrix, or ask about one directed pair.
import { runCells, type RunOptions } from "./run.ts";
import { newRunId } from "./docker/labels.ts";
import { cellId } from "../core/label.ts";
import type { CellResult, CellSide, Expectation } from "../core/types.ts";

export { prepare, loadBaseline } from "./inputs.ts";
export { runMatrix } from "./matrix.ts";
export type { Prepared } from "./inputs.ts";
export type { MatrixOptions, MatrixRun } from "./matrix.ts";
// The scenario layer's entry points (all of it: the "s2s-matrix/scenarios" export).
export { loadScenario, parseScenario, ScenarioError, expandCells } from "../scenarios/index.ts";
export type { Scenario } from "../scenarios/index.ts";
export { writeReports } from "./report/write.ts";
export type { RunSummary } from "./report/summary.ts";
export { runCells } from "./run.ts";
export type * from "../core/types.ts";
export type { Family, ServerId } from "./servers/catalog.ts";

export interface PairQuery {
  initiator: CellSide;
  receiver: CellSide;
  expected?: Expectation;
}

/**
 * Runs directed pairs on real servers (one container per server version) and
 * returns one structured result per pair: message, ping, auth method per
 * direction, reason, raw log lines, durations.
 */
export async function probePairs(pairs: PairQuery[], opts: Omit<RunOptions, "runId" | "cells"> = {}): Promise<CellResult[]> {
  const cells = pairs.map((p) => ({
    id: cellId(p.initiator, p.receiver),
    scenario: "api",
    initiator: p.initiator,
    receiver: p.receiver,
    expected: p.expected ?? { outcome: "federates" as const, source: "default" },
  }));
  const { results } = await runCells({ retryUnexpected: false, ...opts, runId: newRunId(), cells });
  return results;
}
