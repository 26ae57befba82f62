// The facts about one cell as label/value pairs, shared by the HTML dialog and JUnit failures.
import type { CellResult, CellSide, MessageResult, PingResult } from "../../core/types.ts";
import { actualText, decidedText, expectedText, retriedText, serverLabel, upstreamVersion } from "./cells.ts";
import { formatDuration } from "./text.ts";
import { familyAndVersion } from "../../core/server-id.ts";

export interface Field {
  label: string;
  value: string;
}

function side(s: CellSide, installed: string): string {
  const settings = `certificate ${s.certificate}, dialback ${s.dialback}`;
  if (s.runs === undefined) {
    const version = familyAndVersion(s.server).version;
    const inst = installed && installed !== version ? ` (installed ${installed})` : "";
    return `${s.server}${inst}, ${settings}`;
  }
  // A named server: `ours (ejabberd 24.12)`, the version as read from the running server.
  const label = serverLabel(s, installed);
  const exact = installed && installed !== upstreamVersion(installed) ? `${label.slice(0, -1)}, installed ${installed})` : label;
  return `${exact}, ${settings}`;
}

export function exchangeText(r: MessageResult | PingResult | undefined, none: string): string {
  if (!r) return none;
  const detail = [r.condition, r.text && `"${r.text}"`].filter(Boolean).join(" ");
  return `${r.status}${detail ? `: ${detail}` : ""} (${r.ms} ms)`;
}

export function diagnosisFields(cell: CellResult): Field[] {
  const { spec } = cell;
  const fields: Array<[string, string | undefined]> = [
    ["Cell", spec.id],
    ["Scenario", spec.scenario],
    ["Expected", `${expectedText(spec.expected)} (rule: ${spec.expected.source})`],
    ["Actual", actualText(cell)],
    ["Mismatch", cell.asExpected ? undefined : cell.mismatch || "outcome differs from expectation"],
    ["Initiator", side(spec.initiator, cell.installed.initiator)],
    ["Receiver", side(spec.receiver, cell.installed.receiver)],
    ["Auth outbound", `${cell.auth.outbound} (${spec.initiator.server} → ${spec.receiver.server}, carries the message)`],
    ["Auth inbound", `${cell.auth.inbound} (${spec.receiver.server} → ${spec.initiator.server}, carries the ping reply)`],
    ["Message", exchangeText(cell.message, "not sent")],
    ["Ping", exchangeText(cell.ping, "not sent")],
    ["Reason", cell.reason],
    ["Decided by", decidedText(cell)],
    ["Error", cell.error],
    ["Notes", cell.notes?.join("; ")],
    ["Attempts", cell.attempts.map((a) => `${a.outcome} (${[formatDuration(a.durationMs), a.decided].filter(Boolean).join(", ")})`).join(", ") || "none"],
    ["Retried", retriedText(cell)],
    ["Duration", formatDuration(cell.durationMs)],
  ];
  return fields.filter((f): f is [string, string] => !!f[1]).map(([label, value]) => ({ label, value }));
}

/** Plain-text block: one `label: value` per line. */
export function diagnosisText(cell: CellResult): string {
  const fields = diagnosisFields(cell);
  const width = Math.max(...fields.map((f) => f.label.length));
  return fields.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`).join("\n");
}
