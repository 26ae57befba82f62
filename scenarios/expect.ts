// What a cell should do (from the scenario's `expect`), and whether what it did meets that.
//
// Precedence: start from `expect.default`; walk `expect.rules` in order; every rule
// that matches the cell REPLACES the whole expectation with its own fields
// (outcome, and ping/auth/reason only if the rule sets them — nothing is
// inherited from the default or from an earlier rule). So the last matching rule
// decides, and `source` names it: "default" or "expect.rules[i]".
//
// one-way: the message initiator → receiver arrives, the reply receiver → initiator
// does not. A rule may say `outcome: one-way` or (older) `outcome: federates` with
// `ping: fails`; both expect one-way, and a one-way cell never meets `federates`.
import type { AuthMethod, CellSide, CellSpec, Expectation, Outcome } from "../core/types.ts";
import type { ExpectRule, Scenario } from "./model.ts";
import { selects, splitServerId, type SelectableServer } from "./versions.ts";

export type CellSides = Pick<CellSpec, "initiator" | "receiver">;

/** A cell side as selectors see it: its name, and the family@version it runs (`runs` for a named server). */
export function selectableSide(side: Pick<CellSide, "server" | "runs">): SelectableServer {
  const runs = side.runs ?? side.server;
  const id = splitServerId(runs);
  return id ? { name: side.server, family: id.family, version: id.version } : { name: side.server, family: runs };
}

/** Whether `rule`'s selectors all hold for `cell` (a rule with no selector matches every cell). */
export function ruleMatches(rule: ExpectRule, cell: CellSides): boolean {
  const { initiator: i, receiver: r } = cell;
  if (rule.initiator !== undefined && !selects(rule.initiator, selectableSide(i))) return false;
  if (rule.receiver !== undefined && !selects(rule.receiver, selectableSide(r))) return false;
  if (rule.initiatorCertificate !== undefined && rule.initiatorCertificate !== i.certificate) return false;
  if (rule.receiverCertificate !== undefined && rule.receiverCertificate !== r.certificate) return false;
  if (rule.dialback === "on" && !(i.dialback === "on" && r.dialback === "on")) return false;
  if (rule.dialback === "off" && !(i.dialback === "off" || r.dialback === "off")) return false;
  if (rule.initiatorDialback !== undefined && rule.initiatorDialback !== i.dialback) return false;
  if (rule.receiverDialback !== undefined && rule.receiverDialback !== r.dialback) return false;
  return true;
}

/** The expectation for one cell of `scenario`. */
export function expectationFor(scenario: Scenario, cell: CellSides): Expectation {
  let expected: Expectation = { outcome: scenario.expect.default, source: "default" };
  for (const rule of scenario.expect.rules) {
    if (!ruleMatches(rule, cell)) continue;
    expected = { outcome: rule.outcome, source: `expect.rules[${rule.index}]` };
    if (rule.ping !== undefined) expected.ping = rule.ping;
    if (rule.auth !== undefined) expected.auth = rule.auth;
    if (rule.reason !== undefined) expected.reason = rule.reason;
  }
  // "federates, but the ping fails" is what one-way means: the older spelling of it.
  if (expected.outcome === "federates" && expected.ping === "fails") expected.outcome = "one-way";
  if (scenario.tolerate.includes("error")) expected.tolerateError = true;
  return expected;
}

/** What judge() needs of a cell's result (a CellResult fits). */
export interface ActualOutcome {
  outcome: Outcome;
  auth: { outbound: AuthMethod };
  ping?: { status: "result" | "error" | "timeout" };
  reason?: string;
}

export interface Verdict {
  asExpected: boolean;
  /** Why not, in words (every unmet part, joined by "; "). */
  mismatch?: string;
}

/**
 * Whether `actual` meets `expected`.
 * - outcome: federates/one-way/fails must equal the expected outcome. `error` meets it only when
 *   the scenario tolerates errors; `flaky` never does.
 * - ping (if expected): "ok" means the ping got a result; "fails" means error or timeout.
 * - auth (if expected): equals the outbound (initiator → receiver) method.
 * - reason (if expected): case-insensitive substring of the diagnosis.
 */
export function judge(expected: Expectation, actual: ActualOutcome): Verdict {
  if (actual.outcome === "error") {
    return expected.tolerateError
      ? { asExpected: true }
      : { asExpected: false, mismatch: `expected ${expected.outcome}, but the harness could not decide (error)` };
  }
  if (actual.outcome === "flaky") {
    return { asExpected: false, mismatch: `expected ${expected.outcome}, but the cell is flaky (runs disagreed)` };
  }
  const problems: string[] = [];
  if (actual.outcome !== expected.outcome) problems.push(`expected ${expected.outcome}, got ${actual.outcome}`);
  if (expected.ping !== undefined) {
    const status = actual.ping?.status;
    if (status === undefined) problems.push(`expected ping ${expected.ping}, but no ping was made`);
    else if ((status === "result") !== (expected.ping === "ok")) {
      problems.push(`expected ping ${expected.ping}, got ping ${status === "result" ? "ok" : status}`);
    }
  }
  if (expected.auth !== undefined && actual.auth.outbound !== expected.auth) {
    problems.push(`expected auth ${expected.auth}, got ${actual.auth.outbound}`);
  }
  if (expected.reason !== undefined) {
    const reason = actual.reason ?? "";
    if (!reason.toLowerCase().includes(expected.reason.toLowerCase())) {
      problems.push(`expected reason containing "${expected.reason}", got ${actual.reason ? `"${actual.reason}"` : "no reason"}`);
    }
  }
  return problems.length === 0 ? { asExpected: true } : { asExpected: false, mismatch: problems.join("; ") };
}
