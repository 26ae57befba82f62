// Findings from a run's cells: per scenario, a default and the shortest ordered list of
// statements found that reproduces every decided cell's verdict (outcome, auth, reason
// class), read like a scenario's `expect:` block (a later statement overrides an earlier
// one). Cells without a verdict (error, flaky) and cells no statement can tell apart are
// listed, never hidden.
import type { CellResult, CellSpec, Finding, FindingVerdict, FindingWhen, RunResults, ScenarioFindings } from "../../../core/types.ts";
import { scenarioOrder } from "../cells.ts";
import { dimensions, type VersionRange } from "./conditions.ts";
import { hasBit, induce, ruleBits, type DecisionList, type Problem } from "./induce.ts";
import { reasonClasses, verdictKey, verdictOf } from "./verdict.ts";
import { defaultText, statementText, verdictText, type Shape } from "./words.ts";

/** What a list's statements are worded with, and which statement decides each cell (-1: the default, else the last that selects it). */
export function readList(problem: Problem, dims: ReturnType<typeof dimensions>, list: DecisionList, specs: CellSpec[]): { ranges: Map<string, VersionRange>; shape: Shape; decidedBy: Int32Array } {
  const ranges = new Map<string, VersionRange>();
  for (const dim of dims) for (const c of dim) if (c.range) ranges.set(c.when[c.range.side] as string, c.range.range);
  const shape: Shape = {
    sameCertificates: specs.every((s) => s.initiator.certificate === s.receiver.certificate),
    sameDialback: specs.every((s) => s.initiator.dialback === s.receiver.dialback),
  };
  const decidedBy = new Int32Array(problem.n).fill(-1);
  list.rules.forEach((r, k) => {
    const b = ruleBits(problem, r.conds);
    for (let i = 0; i < problem.n; i++) if (hasBit(b, i)) decidedBy[i] = k;
  });
  return { ranges, shape, decidedBy };
}

/** One scenario's findings from its cells. */
export function scenarioFindings(scenario: string, cells: CellResult[]): ScenarioFindings {
  const classes = reasonClasses(cells);
  const verdicts = cells.map((c) => verdictOf(c, classes));
  const keys: string[] = [];
  const byKey = new Map<string, FindingVerdict>();
  const labels = new Int32Array(cells.length).fill(-1);
  verdicts.forEach((v, i) => {
    if (!v) return;
    const k = verdictKey(v);
    if (!byKey.has(k)) (byKey.set(k, v), keys.push(k));
    labels[i] = keys.indexOf(k);
  });
  const specs = cells.map((c) => c.spec);
  const dims = dimensions(specs);
  const problem: Problem = { n: cells.length, dims, labels, labelCount: keys.length };
  const list = induce(problem);
  const { ranges, shape, decidedBy } = readList(problem, dims, list, specs);
  const decided = (k: number): number => cells.filter((_, i) => labels[i] >= 0 && decidedBy[i] === k).length;
  const verdictFor = (label: number): FindingVerdict => byKey.get(keys[label]) ?? { outcome: "federates" };
  const statements: Finding[] = list.rules.map((r, k) => {
    const when: FindingWhen = Object.assign({}, ...r.conds.map((c, d) => dims[d][c].when));
    const v = verdictFor(r.label);
    const n = decided(k);
    return { when, ...v, cells: n, text: statementText(when, v, n, shape, ranges), ...(n === 1 ? { exception: true } : {}) };
  });
  const dflt = verdictFor(list.default);
  const defaultCells = decided(-1);
  return {
    scenario,
    cells: labels.filter((l) => l >= 0).length,
    default: { ...dflt, cells: defaultCells, text: defaultText(dflt, defaultCells) },
    statements,
    undecided: cells.filter((_, i) => labels[i] < 0).map((c) => ({ id: c.spec.id, outcome: c.outcome })),
    unexplained: list.unexplained.map((i) => ({ id: cells[i].spec.id, text: verdictText(verdicts[i]!) })),
  };
}

/** Findings of every scenario of a run, in the run's order. */
export function deriveFindings(results: Pick<RunResults, "scenarios" | "cells">): ScenarioFindings[] {
  return scenarioOrder(results.scenarios, results.cells).flatMap((s) => {
    const own = results.cells.filter((c) => c.spec.scenario === s);
    return own.length ? [scenarioFindings(s, own)] : [];
  });
}
