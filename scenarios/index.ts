// The scenario layer: load a scenario file, expand it into cells, judge results.
export type { CertificatePair, ExpectRule, PairsMode, Scenario, ScenarioServer, SidedValues } from "./model.ts";
export { ScenarioError, SCENARIO_SCHEMA, SCHEMA_PATH, formatIssue, formatPath, loadScenario, parseScenario } from "./load.ts";
export type { ScenarioIssue } from "./load.ts";
export { expandCells } from "./expand.ts";
export { cellId, comboLabel } from "../core/label.ts";
export { expectationFor, ruleMatches, selectableSide } from "./expect.ts";
export type { CellSides } from "./expect.ts";
export { judge } from "../core/judge.ts";
export type { ActualOutcome, Verdict } from "../core/judge.ts";
export {
  compareVersions,
  matchesSelector,
  parseRange,
  parseSelector,
  parseVersion,
  satisfies,
  selects,
} from "./versions.ts";
export { splitServerId } from "../core/server-id.ts";
export type { ParsedVersion, RangeClause, RangeOp, SelectableServer, Selector, VersionRange } from "./versions.ts";
