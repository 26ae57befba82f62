// ejabberd drops a stanza it cannot route and says so in an error record over many
// lines: the packet, then the exception. The drop the probe meets on an overloaded
// machine: the router asks its s2s manager for a new connection with
// gen_server:call's 5 s timeout (ejabberd_s2s:new_connection, 23.01–26.07); when the
// starved manager answers later, the connection still opens, but the stanza that
// asked for it is gone, unbounced. No verdict on federation can be read from such a
// cell, and without this its message or ping would wait out the timeout.
import { stripAnsi } from "../../core/text.ts";
import type { DroppedStanza } from "./adapter.ts";

const STARTS_RECORD = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/;
const DROPPED = /\[error\] Failed to route packet: #(\w+)\{.*?\{new_connection,\s*\[<<"([^"]*)">>,<<"([^"]*)">>,/;
const TIMEOUT = /\*\* exception exit: \{timeout,\s*\{gen_server,call,\s*\[ejabberd_s2s,/;

/** Each record on one line: a line that does not start with a date continues the one before. */
export function ejabberdRecords(lines: string[]): string[] {
  const out: string[] = [];
  for (const raw of lines) {
    const line = stripAnsi(raw);
    if (STARTS_RECORD.test(line) || !out.length) out.push(line);
    else out[out.length - 1] += ` ${line.trim()}`;
  }
  return out;
}

/** The stanzas ejabberd dropped while it opened an s2s connection, each with that connection's two domains. */
export function ejabberdDroppedStanzas(lines: string[]): DroppedStanza[] {
  if (!lines.some((l) => l.includes("Failed to route packet"))) return [];
  return ejabberdRecords(lines).flatMap((record) => {
    const m = DROPPED.exec(record);
    if (!m) return [];
    const why = TIMEOUT.test(record) ? "its s2s manager did not answer within 5 s (an overloaded server)" : "opening the s2s connection failed";
    return [{ stanza: m[1], from: m[2], to: m[3], reason: `ejabberd dropped a ${m[1]} to ${m[3]}: ${why}`, line: record.slice(0, 400) }];
  });
}
