// When the servers' logs already decide a cell: the events (AuthEvent.final) after
// which a stanza can no longer pass, so the probe stops waiting for one.
import type { AuthEvent, Decided, MessageResult, PingResult } from "../../core/types.ts";

/**
 * Whether the receiving server's own events (`from → to`) hold its verdict on the
 * stream: lines it writes before the verdict (SASL EXTERNAL accepted) precede it,
 * so nothing later can change the direction's auth method. Accepted: stanzas pass
 * on it, whatever fails later.
 */
export function hasVerdict(receiverEvents: AuthEvent[], from: string, to: string): boolean {
  return receiverEvents.some((e) => e.from === from && e.to === to && /^(external-ok|dialback-ok|connection-ok)$/.test(e.kind));
}

/**
 * The streams of a working cell (`a → b`, `b → a`) whose receiver has not logged its
 * verdict (hasVerdict). Without it a direction's auth method is a guess: a stream the
 * initiator saw complete read as dialback when the receiver's EXTERNAL line was missing
 * (ejabberd 26.07 under load, 2026-12-07: the cell came out flaky).
 */
export function unverifiedStreams(initiatorEvents: AuthEvent[], receiverEvents: AuthEvent[], a: string, b: string): string[] {
  return [
    ...(hasVerdict(receiverEvents, a, b) ? [] : [stream(a, b)]),
    ...(hasVerdict(initiatorEvents, b, a) ? [] : [stream(b, a)]),
  ];
}

/** A stream as unverifiedStreams names it: `a → b`. */
export const stream = (from: string, to: string): string => `${from} → ${to}`;

/** A final event on the stream `from → to` ("" on a line that names one side only). */
const finalOn = (e: AuthEvent, from: string, to: string): boolean =>
  !!e.final && (e.from === from || e.from === "") && (e.to === to || e.to === "") && (e.from !== "" || e.to !== "");

/**
 * The logged event after which A's message to B can no longer arrive, or undefined.
 * Only while A → B is not accepted: then either A → B itself failed for good, or B's
 * connection back to A did, which before A → B is accepted is dialback's check of A's
 * key (B opens nothing else to A until A's stanzas reach it).
 */
export function messageLost(events: AuthEvent[], a: string, b: string): AuthEvent | undefined {
  if (hasVerdict(events, a, b)) return undefined;
  return events.find((e) => finalOn(e, a, b) || (e.final && e.to === a && (e.from === b || e.from === "")));
}

/** The words a message ended by `messageLost` carries: which stream failed, in the server's words where it gave some. */
export function lostText(e: AuthEvent, a: string): string {
  if (e.to !== a) return e.reason ?? "the initiator's connection to the receiver failed";
  return `the receiver's connection back to the initiator failed${e.reason ? `: ${e.reason}` : ""}`;
}

/**
 * The receiver's event after which its connection back to the initiator (`b` → `a`)
 * carries nothing: its queued stanzas were answered with errors, or it bounces
 * whatever it has for the initiator. Ends the wait for the ping's reply.
 */
export function replyLost(receiverEvents: AuthEvent[], a: string, b: string): AuthEvent | undefined {
  return receiverEvents.find((e) => e.kind === "connection-failed" && e.to === a && (e.from === b || e.from === ""));
}

/** How a probe's verdict came (see Decided): a timeout with a text was ended by a log line. */
export function decidedBy(message: MessageResult, ping: PingResult): Decided {
  if (message.status === "timeout") return message.text ? "log" : "timeout";
  if (message.status === "bounced" || ping.status !== "timeout") return "stanzas";
  return ping.text ? "log" : "timeout";
}
