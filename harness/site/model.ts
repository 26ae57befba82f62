// The site's data: the runs given, grouped by scenario set, the latest of each as "now";
// every server version that ran and its cells per role, peer certificate and dialback.
import type { CellResult, CellSide, Dialback, ProfileName, RunResults } from "../../core/types.ts";
import { familyAndVersion } from "../../core/server-id.ts";

export type Role = "receiver" | "initiator";
export const ROLES: Role[] = ["receiver", "initiator"];
export const DIALBACK: Dialback[] = ["on", "off"];

export interface SiteRun {
  file: string;
  results: RunResults;
}

/** What ran on a side: `prosody@13.0.7` (a named server by what it runs). */
export const versionOf = (s: CellSide): string => s.runs ?? s.server;

/** `prosody@13.0.7` → `prosody 13.0.7`. */
export function versionName(v: string): string {
  const { family, version } = familyAndVersion(v);
  return version ? `${family} ${version}` : family;
}

/** A file name for a version: `prosody@13.0.7` → `prosody-13.0.7` (only [A-Za-z0-9._-]). */
export const slug = (v: string): string => v.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "server";

/** The side a version plays in a cell for `role`, and the other side. */
export const own = (c: CellResult, role: Role): CellSide => (role === "receiver" ? c.spec.receiver : c.spec.initiator);
export const peer = (c: CellResult, role: Role): CellSide => (role === "receiver" ? c.spec.initiator : c.spec.receiver);

/** The runs of one scenario set (e.g. "Let's Encrypt server-only certificates (2026)"), oldest first. */
export interface Series {
  key: string;
  runs: SiteRun[];
}

/** Runs grouped by the scenarios they ran, each group oldest first; groups in the order first given. */
export function seriesOf(runs: SiteRun[]): Series[] {
  const groups = new Map<string, SiteRun[]>();
  for (const r of runs) {
    const key = r.results.scenarios.join(" + ");
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, rs]) => ({ key, runs: [...rs].sort((a, b) => a.results.startedAt.localeCompare(b.results.startedAt)) }));
}

export interface SiteData {
  series: Series[];
  /** The latest run of each series. */
  current: SiteRun[];
  cells: CellResult[];
  /** Versions in order of first appearance in the current runs. */
  versions: string[];
  /** Peer certificate profiles, in order of first appearance. */
  profiles: ProfileName[];
}

export function siteData(runs: SiteRun[]): SiteData {
  const series = seriesOf(runs);
  const current = series.map((s) => s.runs[s.runs.length - 1]!);
  const cells = current.flatMap((r) => r.results.cells);
  const versions = [...new Set(cells.flatMap((c) => [versionOf(c.spec.initiator), versionOf(c.spec.receiver)]))];
  const profiles = [...new Set(cells.flatMap((c) => [c.spec.initiator.certificate, c.spec.receiver.certificate]))];
  return { series, current, cells, versions, profiles };
}

/** Certificates a peer has no reason to refuse: a group counts only cells where the version itself presents one. */
export const SOUND: ProfileName[] = ["server-only", "dual-eku", "no-eku"];

/**
 * The cells where `version` plays `role` with a sound certificate of its own, the peer
 * presents `profile` and `version`'s own dialback is `dialback`. (A cell where the version
 * presents, say, an expired certificate says what the peer refuses, not what it accepts.)
 */
export function bucketCells(cells: CellResult[], version: string, role: Role, profile: ProfileName, dialback: Dialback): CellResult[] {
  return cells.filter((c) => {
    const me = own(c, role);
    return versionOf(me) === version && SOUND.includes(me.certificate) && peer(c, role).certificate === profile && me.dialback === dialback;
  });
}

/** The cells `version` took part in, in either role. */
export const cellsOf = (cells: CellResult[], version: string): CellResult[] =>
  cells.filter((c) => versionOf(c.spec.initiator) === version || versionOf(c.spec.receiver) === version);

/** The log lines a side's server wrote (the harness prefixes each with `[server#instance]`). */
export function ownLines(c: CellResult, side: CellSide): string[] {
  const names = new Set([side.server, versionOf(side)]);
  return c.logs.filter((l) => {
    const m = /^\[([^\]#]+)(?:#[^\]]*)?\]/.exec(l);
    return m !== null && names.has(m[1]!);
  });
}
