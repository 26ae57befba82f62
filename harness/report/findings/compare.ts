// Two runs compared as findings, not only cell lists: the cells whose outcome changed
// since the baseline, described by the fewest statements over the same features as the
// run's findings ("since the baseline, ours (ejabberd 24.12 → 26.07): receiver ours,
// certificates server-only, dialback off: fails → federates — 48 cells improved").
import type { CellResult, FindingWhen, Outcome, RunResults } from "../../../core/types.ts";
import { asBaseline, cellKey, compareBaseline, versionChangeText } from "../baseline.ts";
import type { Baseline } from "../baseline-file.ts";
import { scenarioOrder } from "../cells.ts";
import { escapeMarkdown } from "../text.ts";
import { dimensions } from "./conditions.ts";
import { induce, type Problem } from "./induce.ts";
import { readList } from "./derive.ts";
import { whenText } from "./words.ts";

type Decided = "federates" | "one-way" | "fails";
const RANK: Record<Decided, number> = { federates: 2, "one-way": 1, fails: 0 };
const decided = (o: Outcome): o is Decided => o in RANK;

export interface ChangeStatement {
  scenario: string;
  when: FindingWhen;
  /** Both absent: the cells are unchanged (an exception to a change statement before it). */
  before?: Decided;
  after?: Decided;
  /** Cells this statement decides. */
  cells: number;
  text: string;
}

export interface FindingsComparison {
  /** `ours: ejabberd 24.12 → 26.07`. */
  versions: string[];
  /** Statements about changed cells; the unchanged rest is the default. */
  changes: ChangeStatement[];
  /** Cells matched in both runs with a verdict in both. */
  compared: number;
}

const SAME = "same";

function scenarioChanges(scenario: string, cells: CellResult[], before: Map<string, { outcome: Outcome }>): { changes: ChangeStatement[]; compared: number } {
  const keys: string[] = [SAME];
  const labels = new Int32Array(cells.length).fill(-1);
  cells.forEach((c, i) => {
    const then = before.get(cellKey(c.spec));
    if (!then || !decided(then.outcome) || !decided(c.outcome)) return;
    const k = then.outcome === c.outcome ? SAME : `${then.outcome}\n${c.outcome}`;
    if (!keys.includes(k)) keys.push(k);
    labels[i] = keys.indexOf(k);
  });
  const compared = labels.filter((l) => l >= 0).length;
  if (!keys.slice(1).length) return { changes: [], compared };
  const specs = cells.map((c) => c.spec);
  const dims = dimensions(specs, { names: true });
  const problem: Problem = { n: cells.length, dims, labels, labelCount: keys.length };
  const list = induce(problem);
  const { ranges, shape, decidedBy } = readList(problem, dims, list, specs);
  const changes: ChangeStatement[] = [];
  list.rules.forEach((r, k) => {
    const n = cells.filter((_, i) => labels[i] === r.label && decidedBy[i] === k).length;
    const when: FindingWhen = Object.assign({}, ...r.conds.map((c, d) => dims[d][c].when));
    const cellsText = `${n} ${n === 1 ? "cell" : "cells"}`;
    if (n === 0) return;
    if (keys[r.label] === SAME) {
      // Unchanged cells inside a change statement before it: said, so that the statement is not read wider.
      if (changes.length) changes.push({ scenario, when, cells: n, text: `${whenText(when, shape, ranges)}: unchanged — ${cellsText}` });
      return;
    }
    const [b, a] = keys[r.label].split("\n") as [Decided, Decided];
    const how = RANK[a] > RANK[b] ? "improved" : "regressed";
    changes.push({ scenario, when, before: b, after: a, cells: n, text: `${whenText(when, shape, ranges)}: ${b} → ${a} — ${cellsText} ${how}` });
  });
  return { changes, compared };
}

/** The changed cells of `current` since `baseline`, as statements. */
export function compareFindings(current: RunResults, given: Baseline | RunResults): FindingsComparison {
  const baseline = asBaseline(given);
  const before = new Map(baseline.cells.map((c) => [c.key, c]));
  const out: FindingsComparison = { versions: compareBaseline(current, baseline).versions.map(versionChangeText), changes: [], compared: 0 };
  for (const s of scenarioOrder(current.scenarios, current.cells)) {
    const r = scenarioChanges(s, current.cells.filter((c) => c.spec.scenario === s), before);
    out.changes.push(...r.changes);
    out.compared += r.compared;
  }
  return out;
}

/** Markdown lines: the comparison's findings, for matrix.md beside the cell-level comparison. */
export function compareFindingsMarkdown(cmp: FindingsComparison, multi: boolean): string[] {
  const since = cmp.versions.length ? `Since the baseline (${cmp.versions.join("; ")})` : "Since the baseline";
  const out = ["## Findings compared with the baseline", ""];
  if (!cmp.changes.length) return [...out, `${escapeMarkdown(since)}: no cell's outcome changed (${cmp.compared} compared).`, ""];
  out.push(`${escapeMarkdown(since)}, of ${cmp.compared} cells compared (a later statement overrides an earlier one):`, "");
  for (const c of cmp.changes) out.push(`- ${multi ? `${escapeMarkdown(c.scenario)}: ` : ""}${escapeMarkdown(c.text)}`);
  return [...out, ""];
}
