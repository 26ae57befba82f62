// What a cell should do, from the scenario's `expect` (whether it did: core/judge.ts).
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
import type { CellSide, CellSpec, Expectation } from "../core/types.ts";
import { familyAndVersion } from "../core/server-id.ts";
import type { ExpectRule, Scenario } from "./model.ts";
import { selects, type SelectableServer } from "./versions.ts";

export type CellSides = Pick<CellSpec, "initiator" | "receiver">;

/** A cell side as selectors see it: its name, and the family@version it runs (`runs` for a named server). */
export function selectableSide(side: Pick<CellSide, "server" | "runs">): SelectableServer {
  const { family, version } = familyAndVersion(side.runs ?? side.server);
  return version !== undefined ? { name: side.server, family, version } : { name: side.server, family };
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
    if (rule.anyOf) expected.anyOf = rule.anyOf;
    if (rule.ping !== undefined) expected.ping = rule.ping;
    if (rule.auth !== undefined) expected.auth = rule.auth;
    if (rule.reason !== undefined) expected.reason = rule.reason;
  }
  // "federates, but the ping fails" is what one-way means: the older spelling of it.
  if (expected.outcome === "federates" && expected.ping === "fails") expected.outcome = "one-way";
  if (scenario.tolerate.includes("error")) expected.tolerateError = true;
  return expected;
}
