// Compare a run with an earlier one (e.g. the last run on main) to spot pairs that stopped federating.
// Cells match by their servers' names and their certificate/dialback combination, so a
// named server (`ours`) is compared with its own earlier result across a version bump.
import { cellId } from "../../core/label.ts";
import type { CellResult, CellSpec, Outcome, RunResults } from "../../core/types.ts";
import { actualText, familyOf } from "./cells.ts";
import { baselineOf, baselineText, type Baseline, type BaselineCell } from "./baseline-file.ts";
import { codeSpan, escapeMarkdown } from "./text.ts";

export interface Change {
  id: string;
  scenario: string;
  before: Outcome;
  after: Outcome;
  /** `federates (external)`, `fails (reason)` ... */
  beforeText: string;
  afterText: string;
  /** The cell's servers whose version changed since the baseline: `ours: ejabberd 24.12 → 26.07`. */
  versions?: string;
}

/** A server (by name) that runs another version than in the baseline. */
export interface VersionChange {
  server: string;
  /** `ejabberd 24.12` */
  before: string;
  after: string;
}

export interface BaselineComparison {
  regressions: Change[];
  improvements: Change[];
  /** Cell ids in the baseline that this run did not have. */
  missing: string[];
  /** Cell ids new in this run. */
  added: string[];
  /** Servers whose version changed (a bump of a named server). */
  versions: VersionChange[];
}

/**
 * What a cell is matched by: its servers' names and its combination, rebuilt from its
 * fields in the id's words (so an older results.json matches even if ids are worded
 * differently one day). Never the version a name runs: that is what a bump changes.
 */
export const cellKey = (spec: Pick<CellSpec, "initiator" | "receiver">): string => cellId(spec.initiator, spec.receiver);

/** `ours: ejabberd 24.12 → 26.07`: the family is said once when it stays the same. */
export function versionChangeText(v: VersionChange): string {
  const [familyBefore] = v.before.split(" ");
  const [familyAfter, ...after] = v.after.split(" ");
  return `${v.server}: ${v.before} → ${familyBefore === familyAfter ? after.join(" ") : v.after}`;
}


/**
 * How much of a pair works: federates (both ways) > one-way (the message, not the replies) > fails.
 * error and flaky have no rank: no verdict to compare.
 */
const RANK: Partial<Record<Outcome, number>> = { federates: 2, "one-way": 1, fails: 0 };

/**
 * Cells match by cellKey (server names, not versions). A cell that did more before is a regression: federates → one-way,
 * one-way → fails, and federates or one-way → error. One that does more now is an
 * improvement: fails → one-way → federates.
 */
export function compareBaseline(current: RunResults, given: Baseline | RunResults): BaselineComparison {
  const baseline = asBaseline(given);
  const before = new Map(baseline.cells.map((c) => [c.key, c]));
  const now = new Set(current.cells.map((c) => cellKey(c.spec)));
  const thenVersions = new Map(baseline.servers.map((s) => [s.name, s.ran]));
  const nowVersions = new Map(baselineOf(current).servers.map((s) => [s.name, s.ran]));
  const versions: VersionChange[] = [];
  for (const [server, after] of nowVersions) {
    const then = thenVersions.get(server);
    if (then !== undefined && then !== after) versions.push({ server, before: then, after });
  }
  const changed = new Map(versions.map((v) => [v.server, versionChangeText(v)]));
  const change = (c: CellResult, then: BaselineCell): Change => {
    const sides = [...new Set([c.spec.initiator.server, c.spec.receiver.server])].flatMap((s) => changed.get(s) ?? []);
    return {
      id: c.spec.id,
      scenario: c.spec.scenario,
      before: then.outcome,
      after: c.outcome,
      beforeText: baselineText(then),
      afterText: actualText(c),
      ...(sides.length ? { versions: sides.join("; ") } : {}),
    };
  };
  const out: BaselineComparison = { regressions: [], improvements: [], missing: [], added: [], versions };
  for (const c of current.cells) {
    const then = before.get(cellKey(c.spec));
    if (!then) out.added.push(c.spec.id);
    else {
      const [was, is] = [RANK[then.outcome], RANK[c.outcome === "error" ? "fails" : c.outcome]];
      if (was === undefined || is === undefined) continue;
      if (is < was) out.regressions.push(change(c, then));
      else if (is > was && c.outcome !== "error") out.improvements.push(change(c, then));
    }
  }
  out.missing = baseline.cells.filter((c) => !now.has(c.key)).map((c) => c.key);
  return out;
}

/** A results.json's run as a baseline; a baseline as it is. */
export const asBaseline = (b: Baseline | RunResults): Baseline => ("schema" in b ? baselineOf(b) : b);

/** Server names with their family and what runs under a name (`runs`, or the name itself). */
function namesOf(sides: { server: string; runs?: string }[]): Map<string, { family: string; runs: string; named: boolean }> {
  return new Map(sides.map((s) => [s.server, { family: familyOf(s), runs: s.runs ?? s.server, named: s.runs !== undefined }]));
}

/**
 * Why this run cannot be compared with `baseline`, in words; undefined when it can.
 * Most baseline cells (among those `--only` keeps) finding no partner here is not a
 * pass with "N missing": it is what a server bumped without a name looks like, and so
 * is a baseline server gone while a server of the same family is new.
 */
export function baselineMismatch(cells: CellSpec[], given: Baseline | RunResults, only?: string[]): string | undefined {
  const baseline = asBaseline(given);
  const keys = new Set(cells.map(cellKey));
  const relevant = only?.length ? baseline.cells.filter((c) => only.some((o) => c.key.includes(o))) : baseline.cells;
  if (!relevant.length) return undefined;
  const unmatched = relevant.filter((c) => !keys.has(c.key));
  const server = new Map(baseline.servers.map((s) => [s.name, s]));
  const then = namesOf(relevant.flatMap((c) => [c.initiator, c.receiver]).map((name) => ({ server: name, ...(server.get(name)?.runs !== undefined ? { runs: server.get(name)!.runs } : {}) })));
  const now = namesOf(cells.flatMap((c) => [c.initiator, c.receiver]));
  const gone = [...then].filter(([n]) => !now.has(n));
  const fresh = [...now].filter(([n]) => !then.has(n));
  const swaps = gone.flatMap(([g, was]) => fresh.filter(([, is]) => is.family === was.family).map(([n, is]) => ({ was: g, is: n, wasRuns: was.runs, isRuns: is.runs, wasNamed: was.named })));
  const swap = swaps[0];
  const howTo =
    swap?.wasNamed
      ? `The baseline calls that server ${swap.was}: give it the same name here, servers: [{name: ${swap.was}, server: ${swap.isRuns}}].`
      : `A server named by its family@version is a new server to the baseline once its version changes. To compare a server across a version bump, ` +
        `name it in the scenario, e.g. servers: [{name: ours, server: ${swap?.isRuns ?? "ejabberd@26.07"}}], and make the baseline from a run in which it had the same name ` +
        `(servers: [{name: ours, server: ${swap?.wasRuns ?? "ejabberd@24.12"}}]); if the servers changed on purpose, make a new baseline from this scenario.`;
  const who = (name: string, runs: string) => (name === runs ? name : `${name} (${runs})`);
  const has = swaps.length ? `${swaps.map((w) => who(w.was, w.wasRuns)).join(", ")}` : "";
  const instead = swaps.map((w) => who(w.is, w.isRuns)).join(", ");
  if (unmatched.length * 2 > relevant.length) {
    return (
      `${unmatched.length} of its ${relevant.length} cells find no partner in this run (cells match by their servers' names and their certificate and dialback combination; ` +
      `e.g. "${unmatched[0]!.key}" is not among this run's cells).${swaps.length ? ` It has ${has} where this run has ${instead}.` : ""} ${howTo}`
    );
  }
  if (swaps.length) return `its ${has} ${swaps.length === 1 ? "is" : "are"} not in this run, which has ${instead} instead: the same server bumped? ${howTo}`;
  return undefined;
}

/** Long id lists (e.g. a changed server set) stay readable in a step summary. */
const LIST_LIMIT = 20;

function idList(ids: string[]): string[] {
  const shown = ids.slice(0, LIST_LIMIT).map((id) => `- ${codeSpan(id)}`);
  return ids.length > LIST_LIMIT ? [...shown, `- … and ${ids.length - LIST_LIMIT} more`] : shown;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const changeItem = (c: Change): string =>
  `- ${codeSpan(c.id)}: ${escapeMarkdown(c.beforeText)} → ${escapeMarkdown(c.afterText)}${c.versions ? ` (${escapeMarkdown(c.versions)})` : ""}`;

/** Markdown lines to append to matrix.md. */
export function renderBaselineMarkdown(cmp: BaselineComparison, baselineLabel = "baseline"): string {
  const out = [`## Compared with ${escapeMarkdown(baselineLabel)}`, ""];
  const versions = (cmp.versions ?? []).map((v) => `- ${escapeMarkdown(versionChangeText(v))}`);
  if (versions.length) out.push(`Versions changed since the baseline:`, "", ...versions, "");
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
