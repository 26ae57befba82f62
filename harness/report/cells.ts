// How a cell reads in every report: icon, short text, expectation marker, grouping.
import type { Attempt, AuthMethod, CellResult, CellSide, Expectation, Outcome } from "../../core/types.ts";
import { oneLine, truncate } from "./text.ts";
import { comboLabel, sided } from "../../core/label.ts";
import { expectedOutcomes, outcomesText, UNDECIDED, unmetParts, type Unmet } from "../../core/judge.ts";
import { familyAndVersion } from "../../core/server-id.ts";

export const ICON: Record<Outcome, string> = { federates: "✅", "one-way": "↦", fails: "❌", error: "⚠️", flaky: "🔀" };

/** Short reasons keep table columns narrow; the full text is in the diagnosis. */
export const SHORT_REASON = 60;

export function authLabel(method: AuthMethod | "external" | "dialback"): string {
  return method === "external" ? "EXTERNAL" : method;
}

export function failReason(cell: CellResult): string {
  const m = cell.message;
  const fromMessage = m && m.status !== "delivered" ? [m.condition, m.text].filter(Boolean).join(": ") || `message ${m.status}` : "";
  return oneLine(cell.reason || fromMessage || "fails");
}

/** Why the replies of a one-way cell are lost: the diagnosis after "one-way: ", else the ping's own result. */
export function oneWayReason(cell: CellResult): string {
  const m = /(?:^|; )one-way: (.*)$/.exec(cell.reason ?? "");
  const p = cell.ping;
  return oneLine(m ? m[1] : p?.text || `no reply (ping ${p?.status ?? "failed"}${p?.condition ? `: ${p.condition}` : ""})`);
}

/** Why a cell ended as it did, before any cut: the auth method, the lost replies' or the failure's reason, the error, the attempts. */
export function outcomeDetail(cell: CellResult): string {
  switch (cell.outcome) {
    case "federates":
      return cell.auth.outbound;
    case "one-way":
      return oneWayReason(cell);
    case "fails":
      return failReason(cell);
    case "error":
      return cell.error || UNDECIDED;
    case "flaky":
      return cell.attempts.map((a) => a.outcome).join(", ");
  }
}

/** The table text without icon: `EXTERNAL`, `dialback`, `one-way: why`, a short reason, `error: ...`, `flaky`. */
export function cellText(cell: CellResult): string {
  const detail = outcomeDetail(cell);
  switch (cell.outcome) {
    case "federates":
      return cell.auth.outbound === "external" || cell.auth.outbound === "dialback" ? authLabel(cell.auth.outbound) : "federates";
    case "one-way":
      return `one-way: ${truncate(detail, SHORT_REASON - 9)}`;
    case "fails":
      return truncate(detail, SHORT_REASON);
    case "error":
      return `error: ${truncate(detail, SHORT_REASON - 7)}`;
    case "flaky":
      return "flaky";
  }
}

/**
 * What the cell did, in a few words: `federates (dialback)`, `one-way (external; why)`,
 * `fails (reason)`, `error (text)`, `flaky (…)`. Every report and the progress line use it.
 */
export function actualText(cell: CellResult): string {
  const detail = cell.outcome === "flaky" ? outcomeDetail(cell) : truncate(outcomeDetail(cell), SHORT_REASON);
  return cell.outcome === "one-way" ? `one-way (${cell.auth.outbound}; ${detail})` : `${cell.outcome} (${detail})`;
}

export function expectedText(e: Expectation): string {
  const parts: string[] = [outcomesText(expectedOutcomes(e))];
  if (e.auth) parts.push(`auth ${authLabel(e.auth)}`);
  if (e.ping) parts.push(`ping ${e.ping}`);
  if (e.reason) parts.push(`reason contains "${e.reason}"`);
  if (e.tolerateError) parts.push("error tolerated");
  return parts.join(", ");
}

/** Which unmet part a report marks, first to last: the outcome says most, a reason least. */
const MARK_ORDER: Unmet["part"][] = ["outcome", "auth", "ping", "reason"];

/**
 * The part of the expectation the cell missed, e.g. `expected fails`, from the judge's
 * unmet parts (the most telling one); undefined when as expected.
 */
export function expectationMarker(cell: CellResult): string | undefined {
  if (cell.asExpected) return undefined;
  const unmet = unmetParts(cell.spec.expected, cell);
  const u = MARK_ORDER.map((p) => unmet.find((x) => x.part === p)).find((x) => x !== undefined);
  switch (u?.part) {
    case "outcome":
      return `expected ${outcomesText(u.expected)}`;
    case "auth":
      return `expected ${authLabel(u.expected)}`;
    case "ping":
      return `expected ping ${u.expected}`;
    case "reason":
      return `expected reason "${truncate(u.expected, 30)}"`;
    default:
      return "unexpected";
  }
}

/**
 * The cell's text led by its outcome in words: `federates (EXTERNAL)`, `fails: reason`,
 * `one-way: why`, `error: …`, `flaky`. The icon alone is a blank box where no emoji
 * font is installed (Debian's Chromium), so the word always comes with it.
 */
export function verdictText(cell: CellResult): string {
  const text = cellText(cell);
  if (cell.outcome === "federates") return text === "federates" ? text : `federates (${text})`;
  if (cell.outcome === "fails") return `fails: ${text}`;
  return text;
}

/** `✅ federates (EXTERNAL)`, `❌ fails: reason ❗expected federates`, `✅ federates (dialback) · retried` ... */
export function cellLine(cell: CellResult): string {
  const marker = expectationMarker(cell);
  return `${ICON[cell.outcome]} ${verdictText(cell)}${cell.retried ? ` · ${RETRIED}` : ""}${marker ? ` ❗${marker}` : ""}`;
}

/** The word a cell whose verdict needed the re-run carries in every report. */
export const RETRIED = "retried";

/** Why a retried cell's verdict needed the re-run (runner/cell.ts neededRerun), in words. */
export function retriedText(cell: CellResult): string | undefined {
  if (!cell.retried) return undefined;
  const first = cell.attempts[0];
  if (!first || first.outcome === "error" || first.decided === "timeout") return `${RETRIED}: the first attempt decided nothing (${first?.decided ?? "error"}), the re-run did`;
  return `${RETRIED}: the first attempt (${oneLine(`${first.outcome}: ${first.probe?.reason ?? "no reason"}`)}) was not as expected, the re-run was`;
}

/** How the cell was decided: `a reply stanza`, `log: [server] line`, `timeout`; undefined for files written before it existed. */
export function decidedText(c: Pick<Attempt, "decided" | "evidence">): string | undefined {
  switch (c.decided) {
    case "stanzas":
      return "a reply stanza";
    case "log":
      return `log: ${c.evidence ?? "a server's line"}`;
    case "timeout":
      return "timeout (nothing came, no server logged why)";
    default:
      return undefined;
  }
}


/** `24.12-2~bpo12+1` → `24.12`: a Debian package version without its revision; other versions as they are. */
export const upstreamVersion = (installed: string): string => installed.replace(/^(.*\d)-\d[0-9A-Za-z.+~]*$/, "$1");

/** What runs under a side's name: `ejabberd@24.12`, or `ejabberd` for an image not yet run. */
const runsOf = (side: Pick<CellSide, "server" | "runs">): string => side.runs ?? side.server;

/** The family of a side's server. */
export const familyOf = (side: Pick<CellSide, "server" | "runs">): string => familyAndVersion(runsOf(side)).family;

/** `ejabberd 24.12`: the family and the version that ran (installed, else the one the scenario names). */
export function runningVersion(side: Pick<CellSide, "server" | "runs">, installed?: string): string {
  const declared = familyAndVersion(runsOf(side)).version;
  const version = installed ? upstreamVersion(installed) : declared;
  return version ? `${familyOf(side)} ${version}` : familyOf(side);
}

/** How reports name a server: a named one with what ran, `ours (ejabberd 24.12)`; an unnamed one by its `family@version`. */
export function serverLabel(side: Pick<CellSide, "server" | "runs">, installed?: string): string {
  return side.runs === undefined ? side.server : `${side.server} (${runningVersion(side, installed)})`;
}

/** Each server name of the cells with its label (the first cell that ran it decides the version shown). */
export function serverLabels(cells: CellResult[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const c of cells) {
    if (!labels.has(c.spec.initiator.server)) labels.set(c.spec.initiator.server, serverLabel(c.spec.initiator, c.installed?.initiator));
    if (!labels.has(c.spec.receiver.server)) labels.set(c.spec.receiver.server, serverLabel(c.spec.receiver, c.installed?.receiver));
  }
  return labels;
}

/** How many cells of each outcome, in legend order, each with its word: `✅ federates 36 · ↦ one-way 3 · ❌ fails 6`, then `❗ unexpected 2`. */
export function outcomeCounts(cells: CellResult[]): string {
  const order: Outcome[] = ["federates", "one-way", "fails", "error", "flaky"];
  const parts = order.map((o) => [o, cells.filter((c) => c.outcome === o).length] as const).filter(([, n]) => n > 0).map(([o, n]) => `${ICON[o]} ${o} ${n}`);
  const unexpected = cells.filter((c) => !c.asExpected).length;
  return [...parts, ...(unexpected ? [`❗ unexpected ${unexpected}`] : [])].join(" · ");
}

/** Above this many (certificate, dialback) combinations in a scenario, reports lead with an overview of them. */
export const MANY_COMBINATIONS = 6;

export interface Overview {
  /** Certificate combinations (rows), dialback combinations (columns), in order of first appearance. */
  rows: string[];
  columns: string[];
  /** Key `row\ncolumn`. */
  tables: Map<string, MatrixTable>;
}

/** One scenario's tables as a grid: certificate combination × dialback combination. */
export function overview(tables: MatrixTable[]): Overview {
  const o: Overview = { rows: [], columns: [], tables: new Map() };
  for (const t of tables) {
    if (!o.rows.includes(t.certificates)) o.rows.push(t.certificates);
    if (!o.columns.includes(t.dialback)) o.columns.push(t.dialback);
    o.tables.set(pairKey(t.certificates, t.dialback), t);
  }
  return o;
}

/** Every cell of a table. */
export const tableCells = (t: MatrixTable): CellResult[] => [...t.cells.values()].flat();

export interface MatrixTable {
  scenario: string;
  title: string;
  /** The two halves of the title: "server-only→dual-eku" and "on→off". */
  certificates: string;
  dialback: string;
  /** Initiators (server names), in the order servers first appear in the run. */
  rows: string[];
  /** Receivers, same order. */
  columns: string[];
  /** How each row and column is shown: `ours (ejabberd 24.12)` for a named server, else its name. */
  labels: Map<string, string>;
  /** Key `row\ncolumn`; several cells only if a scenario repeats a pair. */
  cells: Map<string, CellResult[]>;
}

export const pairKey = (row: string, column: string): string => `${row}\n${column}`;

/** Scenarios in run order, then any that only the cells name. */
export function scenarioOrder(scenarios: string[], cells: CellResult[]): string[] {
  return [...new Set([...scenarios, ...cells.map((c) => c.spec.scenario)])];
}

/** One table per (scenario, certificate combination, dialback combination), in order of first appearance. */
export function matrixTables(scenarios: string[], cells: CellResult[]): MatrixTable[] {
  const order = new Map<string, number>();
  for (const c of cells) {
    for (const s of [c.spec.initiator.server, c.spec.receiver.server]) if (!order.has(s)) order.set(s, order.size);
  }
  const byServer = (a: string, b: string) => order.get(a)! - order.get(b)!;
  const labels = serverLabels(cells);
  const tables = new Map<string, MatrixTable>();
  for (const c of cells) {
    const title = comboLabel(c.spec.initiator, c.spec.receiver);
    const key = `${c.spec.scenario}\n${title}`;
    let t = tables.get(key);
    if (!t) {
      const [i, r] = [c.spec.initiator, c.spec.receiver];
      const certificates = sided(i.certificate, r.certificate);
      t = { scenario: c.spec.scenario, title, certificates, dialback: sided(i.dialback, r.dialback), rows: [], columns: [], labels, cells: new Map() };
      tables.set(key, t);
    }
    const { server: row } = c.spec.initiator;
    const { server: column } = c.spec.receiver;
    if (!t.rows.includes(row)) t.rows.push(row);
    if (!t.columns.includes(column)) t.columns.push(column);
    const k = pairKey(row, column);
    t.cells.set(k, [...(t.cells.get(k) ?? []), c]);
  }
  const scenarioIndex = new Map(scenarioOrder(scenarios, cells).map((s, i) => [s, i]));
  const result = [...tables.values()];
  for (const t of result) {
    t.rows.sort(byServer);
    t.columns.sort(byServer);
  }
  // Stable sort keeps first-appearance order within a scenario.
  return result.sort((a, b) => scenarioIndex.get(a.scenario)! - scenarioIndex.get(b.scenario)!);
}
