// Each page's content as data: the JSON file written next to the page, and what the
// page's HTML is rendered from (one source for people and machines).
import type { CellResult, CellSide, Dialback, ProfileName } from "../../core/types.ts";
import { captureText } from "../report/html.ts";
import { cellText } from "../report/cells.ts";
import { bucketCells, cellsOf, DIALBACK, own, ownLines, peer, ROLES, slug, versionName, versionOf, type Role, type SiteData } from "./model.ts";
import { badgeLabel, badgeVerdict, groupVerdict, type BadgeVerdict, type Verdict } from "./verdict.ts";

export interface Group {
  verdict: Verdict;
  federates: number;
  /** Cells with a verdict (federates, one-way, fails). */
  decided: number;
  cells: number;
}

/** role → peer profile → own dialback → group. */
export type Grid = Record<Role, Record<string, Record<Dialback, Group>>>;

export interface Badge {
  profile: ProfileName;
  label: string;
  verdict: BadgeVerdict;
  /** Site-relative path of the SVG. */
  svg: string;
}

export interface VersionSummary {
  version: string;
  name: string;
  page: string;
  json: string;
  badges: Badge[];
  grid: Grid;
}

/** A cell the version did not federate in, with the server's own words and where the evidence is. */
export interface Refusal {
  role: Role;
  peer: string;
  cell: string;
  outcome: CellResult["outcome"];
  result: string;
  /** The version's own log line that judged the cell, else the harness's reason. */
  words: string;
  /** Site-relative link to the evidence. */
  evidence: string;
}

export interface Evidence {
  anchor: string;
  cell: string;
  result: string;
  reason?: string;
  logs: string[];
  /** Lines left out: the probe's c2s lines, and any beyond EVIDENCE_LINES (all are in results.json). */
  omitted: number;
  transcript?: string[];
}

const EVIDENCE_LINES = 12;
const LINE_CHARS = 400;
const cut = (l: string) => ([...l].length > LINE_CHARS ? `${[...l].slice(0, LINE_CHARS - 1).join("")}…` : l);

export const pagePath = (v: string) => `v/${slug(v)}.html`;
export const jsonPath = (v: string) => `v/${slug(v)}.json`;
export const evidencePath = (v: string) => `v/${slug(v)}.evidence.html`;
export const badgePath = (v: string, p: ProfileName) => `badges/${slug(v)}/${slug(p)}.svg`;

function grid(d: SiteData, version: string): Grid {
  const g = {} as Grid;
  for (const role of ROLES) {
    g[role] = {};
    for (const p of d.profiles) {
      g[role][p] = {} as Record<Dialback, Group>;
      for (const db of DIALBACK) {
        const cells = bucketCells(d.cells, version, role, p, db);
        const n = (...o: CellResult["outcome"][]) => cells.filter((c) => o.includes(c.outcome)).length;
        g[role][p][db] = { verdict: groupVerdict(cells), federates: n("federates"), decided: n("federates", "one-way", "fails"), cells: cells.length };
      }
    }
  }
  return g;
}

export function versionSummary(d: SiteData, version: string): VersionSummary {
  const g = grid(d, version);
  const badges = d.profiles
    .filter((p) => g.receiver[p]!.off.cells + g.receiver[p]!.on.cells > 0)
    .map((p) => ({ profile: p, label: badgeLabel(p), verdict: badgeVerdict(g.receiver[p]!.off, g.receiver[p]!.on), svg: badgePath(version, p) }));
  return { version, name: versionName(version), page: pagePath(version), json: jsonPath(version), badges, grid: g };
}

/** The line of `side`'s own log the harness read the verdict from, without the harness's prefix. */
function ownWords(c: CellResult, side: CellSide): string | undefined {
  const events = c.attempts.at(-1)?.probe?.events ?? [];
  const judged = events.filter((e) => e.judged || e.kind.endsWith("-failed")).map((e) => e.line);
  const mine = ownLines(c, side).map((l) => l.replace(/^\[[^\]]*\]\s*/, ""));
  return judged.find((l) => mine.includes(l));
}

function roleOf(c: CellResult, version: string): Role {
  return versionOf(c.spec.receiver) === version ? "receiver" : "initiator";
}

export interface VersionPage {
  schema: "s2s-matrix/site-version@1";
  summary: VersionSummary;
  runs: { runId: string; startedAt: string; scenarios: string[] }[];
  counts: { cells: number; federates: number; oneWay: number; fails: number; undecided: number };
  refusals: Refusal[];
}

/** The version's cells that did not federate, in run order. */
const notFederating = (d: SiteData, version: string): CellResult[] => cellsOf(d.cells, version).filter((c) => c.outcome !== "federates");

/**
 * Where a cell's evidence is: once per cell (the size budget), on its receiver's evidence
 * page, which mostly judged it; the initiator's page links there too.
 */
const received = (d: SiteData, version: string): CellResult[] =>
  d.cells.filter((c) => c.outcome !== "federates" && versionOf(c.spec.receiver) === version);

export function evidenceLink(d: SiteData, c: CellResult): string {
  const receiver = versionOf(c.spec.receiver);
  return `${evidencePath(receiver)}#e-${received(d, receiver).indexOf(c) + 1}`;
}

export function versionPage(d: SiteData, version: string): VersionPage {
  const mine = cellsOf(d.cells, version);
  const n = (o: CellResult["outcome"]) => mine.filter((c) => c.outcome === o).length;
  const refusals = notFederating(d, version).map((c): Refusal => {
    const role = roleOf(c, version);
    const words = ownWords(c, own(c, role)) ?? ownWords(c, peer(c, role)) ?? c.reason ?? c.error ?? "";
    return { role, peer: versionName(versionOf(peer(c, role))), cell: c.spec.id, outcome: c.outcome, result: cellText(c), words, evidence: evidenceLink(d, c) };
  });
  return {
    schema: "s2s-matrix/site-version@1",
    summary: versionSummary(d, version),
    runs: d.current.map((r) => ({ runId: r.results.runId, startedAt: r.results.startedAt, scenarios: r.results.scenarios })),
    counts: { cells: mine.length, federates: n("federates"), oneWay: n("one-way"), fails: n("fails"), undecided: n("error") + n("flaky") },
    refusals,
  };
}

/** The probe's own client sessions (c2s) say nothing about federation: left out of the evidence. */
const C2S = /\bc2s\b/i;

/** The evidence of the cells `version` received and did not federate in. */
export function evidence(d: SiteData, version: string): Evidence[] {
  return received(d, version).map((c, i) => {
    const transcript = captureText(c.capture)?.split("\n");
    const lines = c.logs.filter((l) => !C2S.test(l));
    return {
      anchor: `e-${i + 1}`,
      cell: c.spec.id,
      result: cellText(c),
      ...(c.reason ? { reason: c.reason } : {}),
      logs: lines.slice(0, EVIDENCE_LINES).map(cut),
      omitted: c.logs.length - Math.min(lines.length, EVIDENCE_LINES),
      ...(transcript ? { transcript: transcript.slice(0, EVIDENCE_LINES * 3).map(cut) } : {}),
    };
  });
}

/** The findings of results.json (harness/report/findings), read defensively: the field may be absent or newer. */
export interface FindingsView {
  scenario: string;
  statements: { text: string; cells?: number }[];
}

export function findingsOf(d: SiteData): FindingsView[] {
  const str = (v: unknown): v is string => typeof v === "string";
  return d.current.flatMap((r) => {
    const f = (r.results as { findings?: unknown }).findings;
    if (!Array.isArray(f)) return [];
    return f.flatMap((s: Record<string, unknown>) => {
      if (!s || !str(s.scenario)) return [];
      const def = s.default as { text?: unknown; cells?: unknown } | undefined;
      const list = Array.isArray(s.statements) ? (s.statements as { text?: unknown; cells?: unknown }[]) : [];
      const statements = [def, ...list]
        .filter((x): x is { text: string; cells?: unknown } => !!x && str(x.text))
        .map((x) => ({ text: x.text, ...(typeof x.cells === "number" ? { cells: x.cells } : {}) }));
      return [{ scenario: s.scenario, statements }];
    });
  });
}

export interface OverviewPage {
  schema: "s2s-matrix/site-overview@1";
  runs: { runId: string; startedAt: string; scenarios: string[]; cells: number }[];
  profiles: ProfileName[];
  versions: VersionSummary[];
  findings: FindingsView[];
}

export function overviewPage(d: SiteData): OverviewPage {
  return {
    schema: "s2s-matrix/site-overview@1",
    runs: d.current.map((r) => ({ runId: r.results.runId, startedAt: r.results.startedAt, scenarios: r.results.scenarios, cells: r.results.cells.length })),
    profiles: d.profiles,
    versions: d.versions.map((v) => versionSummary(d, v)),
    findings: findingsOf(d),
  };
}
