// Version numbers as each server project writes them, version ranges, and the
// server selectors scenario rules use (`ejabberd@<25.07`, `prosody`, `*`).
//
// Numbering schemes:
//   ejabberd  YY.MM or YY.MM.N   (23.01 < 24.12 < 25.07 < 26.07; 24.12 < 24.12.1)
//   Prosody   x.y.z              (0.12.3 < 13.0.1 < 13.0.7; 0.9.9 < 0.9.10)
//   Openfire  x.y.z              (4.9.2 < 5.0.0)
// All three are dot-separated decimal components compared numerically, left to
// right, a missing component counting as 0 (24.12 = 24.12.0). A trailing suffix
// that is not part of the numeric core (a Debian revision `-1`, `+dfsg`, a
// pre-release `~rc1`) only breaks ties: `~…` sorts before the bare version,
// anything else after it.
import { splitServerId } from "../core/server-id.ts";

export type RangeOp = "<" | "<=" | ">" | ">=" | "=";

export interface ParsedVersion {
  text: string;
  /** Numeric components: "25.07" → [25, 7]. */
  parts: number[];
  /** Whatever follows the numeric core, e.g. "~rc1", "-1", "+dfsg". */
  suffix: string;
}

export interface RangeClause {
  /** `prefix` is a bare version (no operator): every version that starts with these components. */
  op: RangeOp | "prefix";
  version: ParsedVersion;
}

/** Comma-joined clauses, all of which must hold. */
export interface VersionRange {
  text: string;
  clauses: RangeClause[];
}

export interface Selector {
  text: string;
  /** Undefined for `*`. */
  family?: string;
  /** Undefined for `*` and a bare family. */
  range?: VersionRange;
}

type VersionParser = (text: string) => ParsedVersion | undefined;

const VERSION_RE = /^(\d+(?:\.\d+)*)([~+-][0-9A-Za-z.+~-]*)?$/;

const dotted: VersionParser = (text) => {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  return { text: text.trim(), parts: m[1].split(".").map((p) => Number(p)), suffix: m[2] ?? "" };
};

/**
 * How each family numbers its releases. They all happen to be dotted decimals
 * today; a family with a different scheme gets its own parser here.
 */
const SCHEMES: Record<string, VersionParser> = {
  ejabberd: dotted, // YY.MM, YY.MM.N
  prosody: dotted, // x.y.z (0.x series, then 13.x)
  openfire: dotted, // x.y.z
};

/** Parses a version of `family` (any dotted-decimal scheme when the family is unknown or omitted). */
export function parseVersion(text: string, family?: string): ParsedVersion | undefined {
  return ((family && SCHEMES[family]) || dotted)(text);
}

function mustParse(text: string, family?: string): ParsedVersion {
  const v = parseVersion(text, family);
  if (!v) throw new Error(`invalid version "${text}"; expected dot-separated numbers such as 25.07 or 13.0.7`);
  return v;
}

function compareSuffix(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return b.startsWith("~") ? 1 : -1;
  if (b === "") return a.startsWith("~") ? -1 : 1;
  return a.localeCompare(b, "en", { numeric: true });
}

function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  const n = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return compareSuffix(a.suffix, b.suffix);
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b`. Throws on a malformed version. */
export function compareVersions(a: string, b: string, family?: string): number {
  return compareParsed(mustParse(a, family), mustParse(b, family));
}

const CLAUSE_RE = /^(<=|>=|<|>|=)?\s*(\S+)$/;

/**
 * Parses `<25.07`, `>=13.0`, `=0.12.3`, `>=24.12,<26` (comma = AND), or a bare
 * version `13.0` (component prefix: matches 13.0, 13.0.1, 13.0.7 …). Throws an
 * Error whose message says what is wrong.
 */
export function parseRange(text: string, family?: string): VersionRange {
  const raw = text.trim();
  if (raw === "") throw new Error(`empty version range`);
  const pieces = raw.split(",").map((p) => p.trim());
  const clauses: RangeClause[] = [];
  for (const piece of pieces) {
    const m = CLAUSE_RE.exec(piece);
    const version = m && parseVersion(m[2], family);
    if (!m || !version) {
      throw new Error(
        `invalid version range "${raw}" at "${piece}"; expected a version (13.0.7), an operator and a version (<25.07, >=13.0, =0.12.3), or comma-joined clauses (>=24.12,<26)`,
      );
    }
    clauses.push({ op: (m[1] as RangeOp | undefined) ?? "prefix", version });
  }
  if (clauses.length > 1 && clauses.some((c) => c.op === "prefix")) {
    throw new Error(
      `invalid version range "${raw}": comma-joined clauses all must hold, so each needs an operator (<, <=, >, >=, =); to match several versions write one rule per version`,
    );
  }
  return { text: raw, clauses };
}

function clauseHolds(v: ParsedVersion, c: RangeClause): boolean {
  if (c.op === "prefix") {
    return c.version.parts.every((p, i) => v.parts[i] === p) && (c.version.suffix === "" || c.version.suffix === v.suffix);
  }
  const d = compareParsed(v, c.version);
  switch (c.op) {
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
    case "=":
      return d === 0;
  }
}

/** Whether `version` lies in `range` (a VersionRange or its text). */
export function satisfies(version: string, range: VersionRange | string, family?: string): boolean {
  const r = typeof range === "string" ? parseRange(range, family) : range;
  const v = parseVersion(version, family);
  if (!v) return false;
  return r.clauses.every((c) => clauseHolds(v, c));
}

const FAMILY_RE = /^[a-z][a-z0-9_-]*$/;

/**
 * Parses a selector: `*` (any server), `family` (any version), `family@version`
 * (that version; a shorter version is a component prefix: `prosody@13` is every
 * 13.x), or `family@<range>` (`ejabberd@<25.07`, `ejabberd@>=24.12,<26`).
 * Throws an Error describing what is wrong. Does not check that the family exists.
 */
export function parseSelector(text: string): Selector {
  const raw = text.trim();
  if (raw === "*") return { text: raw };
  const at = raw.indexOf("@");
  const family = at < 0 ? raw : raw.slice(0, at);
  if (!FAMILY_RE.test(family)) {
    throw new Error(`invalid server selector "${text}"; expected "*", a family ("ejabberd"), "family@version" or "family@<range>" ("ejabberd@<25.07")`);
  }
  if (at < 0) return { text: raw, family };
  return { text: raw, family, range: parseRange(raw.slice(at + 1), family) };
}

const selectorCache = new Map<string, Selector>();

function cachedSelector(text: string): Selector {
  let s = selectorCache.get(text);
  if (!s) {
    s = parseSelector(text);
    selectorCache.set(text, s);
  }
  return s;
}

/** A server as rule selectors see it. */
export interface SelectableServer {
  /** Its name: the scenario's `name`, else `family@version`. */
  name: string;
  family: string;
  /** Undefined for an `image:` whose version is known only once it runs: no version range selects it. */
  version?: string;
}

/**
 * Whether `selector` selects `server`: `*`; the server's name (`ours`); its family;
 * or family@version / family@range on the version it runs (a name does not hide it).
 * Throws on a malformed selector.
 */
export function selects(selector: string | Selector, server: SelectableServer): boolean {
  const sel = typeof selector === "string" ? cachedSelector(selector) : selector;
  if (sel.family === undefined) return true;
  if (!sel.range && sel.text === server.name) return true;
  if (sel.family !== server.family) return false;
  if (!sel.range) return true;
  return server.version !== undefined && satisfies(server.version, sel.range, server.family);
}

/** Whether `serverId` (`family@version`) is selected by `selector`. Throws on a malformed selector. */
export function matchesSelector(selector: string | Selector, serverId: string): boolean {
  const id = splitServerId(serverId);
  if (!id) return (typeof selector === "string" ? cachedSelector(selector) : selector).family === undefined;
  return selects(selector, { name: serverId, family: id.family, version: id.version });
}
