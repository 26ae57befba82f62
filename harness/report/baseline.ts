// Compare a run with an earlier one (e.g. the last run on main) to spot pairs that stopped federating.
import type { CellResult, Outcome, RunResults } from "../types.ts";
import { actualText } from "./cells.ts";
import { codeSpan, escapeMarkdown } from "./text.ts";

export interface Change {
  id: string;
  scenario: string;
  before: Outcome;
  after: Outcome;
  /** `federates (external)`, `fails (reason)` ... */
  beforeText: string;
  afterText: string;
}

export interface BaselineComparison {
  regressions: Change[];
  improvements: Change[];
  /** Cell ids in the baseline that this run did not have. */
  missing: string[];
  /** Cell ids new in this run. */
  added: string[];
}

const change = (now: CellResult, then: CellResult): Change => ({
  id: now.spec.id,
  scenario: now.spec.scenario,
  before: then.outcome,
  after: now.outcome,
  beforeText: actualText(then),
  afterText: actualText(now),
});

/**
 * How much of a pair works: federates (both ways) > one-way (the message, not the replies) > fails.
 * error and flaky have no rank: no verdict to compare.
 */
const RANK: Partial<Record<Outcome, number>> = { federates: 2, "one-way": 1, fails: 0 };

/**
 * Cells match by spec.id. A cell that did more before is a regression: federates → one-way,
 * one-way → fails, and federates or one-way → error. One that does more now is an
 * improvement: fails → one-way → federates.
 */
export function compareBaseline(current: RunResults, baseline: RunResults): BaselineComparison {
  const before = new Map(baseline.cells.map((c) => [c.spec.id, c]));
  const now = new Set(current.cells.map((c) => c.spec.id));
  const out: BaselineComparison = { regressions: [], improvements: [], missing: [], added: [] };
  for (const c of current.cells) {
    const then = before.get(c.spec.id);
    if (!then) out.added.push(c.spec.id);
    else {
      const [was, is] = [RANK[then.outcome], RANK[c.outcome === "error" ? "fails" : c.outcome]];
      if (was === undefined || is === undefined) continue;
      if (is < was) out.regressions.push(change(c, then));
      else if (is > was && c.outcome !== "error") out.improvements.push(change(c, then));
    }
  }
  out.missing = baseline.cells.map((c) => c.spec.id).filter((id) => !now.has(id));
  return out;
}

/** Long id lists (e.g. a changed server set) stay readable in a step summary. */
const LIST_LIMIT = 20;

function idList(ids: string[]): string[] {
  const shown = ids.slice(0, LIST_LIMIT).map((id) => `- ${codeSpan(id)}`);
  return ids.length > LIST_LIMIT ? [...shown, `- … and ${ids.length - LIST_LIMIT} more`] : shown;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const changeItem = (c: Change): string =>
  `- ${codeSpan(c.id)}: ${escapeMarkdown(c.beforeText)} → ${escapeMarkdown(c.afterText)}`;

/** Markdown lines to append to matrix.md. */
export function renderBaselineMarkdown(cmp: BaselineComparison, baselineLabel = "baseline"): string {
  const out = [`## Compared with ${escapeMarkdown(baselineLabel)}`, ""];
  const nothing = !cmp.regressions.length && !cmp.improvements.length && !cmp.missing.length && !cmp.added.length;
  if (nothing) return [...out, "No changes: every cell has the same federates/one-way/fails verdict.", ""].join("\n");
  out.push(
    `${plural(cmp.regressions.length, "regression")} · ${plural(cmp.improvements.length, "improvement")} · ` +
      `${plural(cmp.missing.length, "cell")} missing · ${plural(cmp.added.length, "cell")} added`,
    "",
  );
  const section = (title: string, lines: string[]) => lines.length && out.push(`### ${title}`, "", ...lines, "");
  section(`🔻 Regressions (${cmp.regressions.length})`, cmp.regressions.map(changeItem));
  section(`🔺 Improvements (${cmp.improvements.length})`, cmp.improvements.map(changeItem));
  section(`Missing from this run (${cmp.missing.length})`, idList(cmp.missing));
  section(`New in this run (${cmp.added.length})`, idList(cmp.added));
  return out.join("\n");
}
