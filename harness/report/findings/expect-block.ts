// Findings as a scenario's `expect:` block: the default, then one rule per statement
// in the same order (the last matching rule decides, as the statements read), each
// under a comment that says it in words. A default with an auth or a reason becomes a
// first rule without selectors, since `default:` holds an outcome only.
import { stringify } from "yaml";
import type { FindingVerdict, FindingWhen, ScenarioFindings } from "../../../core/types.ts";
import { cleanText } from "../../../core/text.ts";
import { oneLine } from "../text.ts";

/** A YAML scalar as the yaml package writes it (quoted where plain text would be read otherwise). */
const scalar = (v: string): string => stringify(v, { lineWidth: 0 }).trimEnd();

/** A comment line: log words on one line, nothing that could end the comment. */
const comment = (indent: string, text: string): string => `${indent}# ${text.startsWith("  ") ? "  " : ""}${oneLine(cleanText(text))}`;

const KEYS: [keyof FindingWhen, string][] = [
  ["initiator", "initiator"],
  ["receiver", "receiver"],
  ["initiatorCertificate", "certificate"],
  ["receiverCertificate", "receiver_certificate"],
  ["dialback", "dialback"],
  ["initiatorDialback", "initiator_dialback"],
  ["receiverDialback", "receiver_dialback"],
];

function ruleLines(when: FindingWhen, v: FindingVerdict): string[] {
  const fields: [string, string][] = [];
  for (const [k, name] of KEYS) if (when[k] !== undefined) fields.push([name, when[k]!]);
  fields.push(["outcome", v.outcome]);
  if (v.auth) fields.push(["auth", v.auth]);
  if (v.reason) fields.push(["reason", v.reason]);
  return fields.map(([k, val], i) => `    ${i === 0 ? "- " : "  "}${k}: ${scalar(val)}`);
}

/** The `expect:` block (top-level key, two-space indents) that the scenario's cells meet. */
export function expectBlock(f: ScenarioFindings): string {
  const out = ["expect:", `  default: ${f.default.outcome}`];
  const rules: string[] = [];
  if (f.default.auth || f.default.reason) rules.push(comment("    ", f.default.text), ...ruleLines({}, f.default));
  for (const s of f.statements) rules.push(comment("    ", `${s.exception ? "Exception: " : ""}${s.text}`), ...ruleLines(s.when, s));
  // One comment line per cell left out, under a line that says why.
  const notes = [
    ...(f.unexplained.length ? [`${f.unexplained.length} cells no rule can tell apart from others that did otherwise:`, ...f.unexplained.map((u) => `  ${u.id}: ${u.text}`)] : []),
    ...(f.undecided.length ? [`${f.undecided.length} cells without a verdict (error, flaky), not covered:`, ...f.undecided.map((u) => `  ${u.id}: ${u.outcome}`)] : []),
  ];
  if (rules.length) out.push("  rules:", ...notes.map((n) => comment("    ", n)), ...rules);
  else out.push(...notes.map((n) => comment("  ", n)));
  return `${out.join("\n")}\n`;
}

/** How many rules expectBlock writes. */
export const expectRuleCount = (f: ScenarioFindings): number => f.statements.length + (f.default.auth || f.default.reason ? 1 : 0);
