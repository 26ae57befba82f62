// The checks the schema cannot express: catalog names, duplicates, contradictions, selectors.
import type { Dialback } from "../../core/types.ts";
import type { ScenarioServer } from "../model.ts";
import { formatPath, type Path, type RawIssue } from "./issues.ts";
import { SCENARIO_SCHEMA } from "./schema.ts";
import { checkSelector } from "./selectors.ts";
import { checkServers } from "./servers.ts";
import { isObject, quote } from "./wording.ts";

const PROFILES: readonly string[] = SCENARIO_SCHEMA.definitions?.profile?.enum ?? [];

export const normDialback = (v: unknown): Dialback | undefined =>
  v === true || v === "on" ? "on" : v === false || v === "off" ? "off" : undefined;

interface Semantic {
  issues: RawIssue[];
  /** Valid servers with unique names. */
  servers: ScenarioServer[];
}

function checkDuplicates(
  list: unknown,
  path: Path,
  what: string,
  normalise: (v: unknown) => string | undefined,
  issues: RawIssue[],
): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const v = normalise(item);
    if (v === undefined) return;
    const first = seen.get(v);
    if (first !== undefined) {
      const scalars = !isObject(list[first]) && !isObject(item);
      const same = scalars && quote(list[first]) !== quote(item) ? ` (${quote(list[first])} and ${quote(item)} mean the same)` : "";
      issues.push({ path: [...path, i], message: `duplicate ${what} "${v}"${same}; already ${formatPath([...path, first])}` });
    } else {
      seen.set(v, i);
    }
  });
}

const normProfile = (v: unknown): string | undefined => (typeof v === "string" && PROFILES.includes(v) ? v : undefined);

/** A certificates list item as one key: "p" for a profile on both sides (or {initiator: p, receiver: p}), "i→r" otherwise. */
function normCertificateItem(v: unknown): string | undefined {
  if (!isObject(v)) return normProfile(v);
  const i = normProfile(v.initiator);
  const r = normProfile(v.receiver);
  return i === undefined || r === undefined ? undefined : i === r ? i : `${i}→${r}`;
}

function checkCertificates(data: Record<string, unknown>, issues: RawIssue[]): void {
  const value = data.certificates;
  if (Array.isArray(value)) {
    const what = value.every((v) => typeof v === "string") ? "certificate profile" : "certificate combination";
    checkDuplicates(value, ["certificates"], what, normCertificateItem, issues);
  } else if (isObject(value)) {
    for (const key of ["initiator", "receiver", "vary"]) checkDuplicates(value[key], ["certificates", key], "certificate profile", normProfile, issues);
  }
}

function checkDialback(data: Record<string, unknown>, issues: RawIssue[]): void {
  const value = data.dialback;
  if (Array.isArray(value)) checkDuplicates(value, ["dialback"], "dialback setting", normDialback, issues);
  else if (isObject(value)) {
    checkDuplicates(value.initiator, ["dialback", "initiator"], "dialback setting", normDialback, issues);
    checkDuplicates(value.receiver, ["dialback", "receiver"], "dialback setting", normDialback, issues);
  }
}

export function semanticChecks(data: Record<string, unknown>, file: string): Semantic {
  const issues: RawIssue[] = [];
  const before = issues.length;
  const servers = checkServers(data, file, issues);
  const serversOk = issues.length === before && Array.isArray(data.servers) && servers.length === data.servers.length;

  checkCertificates(data, issues);
  checkDialback(data, issues);

  if (data.pairs === "cross" && serversOk && servers.length === 1) {
    issues.push({
      path: ["pairs"],
      message: `"cross" skips a server paired with itself, and the scenario has only ${servers[0].id}: the matrix would have no cells; add a server or use pairs: all`,
    });
  }

  const expect = data.expect;
  if (isObject(expect) && Array.isArray(expect.rules)) {
    expect.rules.forEach((rule, i) => {
      if (!isObject(rule)) return;
      const base: Path = ["expect", "rules", i];
      if (rule.certificate !== undefined && rule.initiator_certificate !== undefined) {
        issues.push({
          path: base,
          keyPath: [...base, "initiator_certificate"],
          message: `set either "certificate" or "initiator_certificate" (they mean the same: the initiator's profile), not both`,
        });
      }
      if (rule.outcome === "one-way" && rule.ping === "ok") {
        issues.push({
          path: [...base, "ping"],
          message: `"one-way" means the ping's reply does not come back, so "ping: ok" contradicts it; drop ping (or use ping: fails)`,
        });
      }
      for (const side of ["initiator", "receiver"] as const) {
        if (rule[side] !== undefined) checkSelector(rule[side], [...base, side], servers, serversOk, issues);
      }
    });
  }
  return { issues, servers };
}
