// The scenario layer: load a scenario file, expand it into cells, judge results.
export type { CertificatePair, ExpectRule, PairsMode, Scenario, ScenarioServer, SidedValues } from "./model.ts";
export { ScenarioError, SCENARIO_SCHEMA, SCHEMA_PATH, formatIssue, formatPath, loadScenario, parseScenario } from "./load.ts";
export type { ScenarioIssue } from "./load.ts";
export { cellId, comboLabel, expandCells } from "./expand.ts";
export { expectationFor, judge, ruleMatches, selectableSide } from "./expect.ts";
export type { ActualOutcome, CellSides, Verdict } from "./expect.ts";
export {
  compareVersions,
  matchesSelector,
  parseRange,
  parseSelector,
  parseVersion,
  satisfies,
  selects,
  splitServerId,
} from "./versions.ts";
export type { ParsedVersion, RangeClause, RangeOp, SelectableServer, Selector, VersionRange } from "./versions.ts";
