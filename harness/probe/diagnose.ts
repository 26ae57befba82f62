// Turns what the servers logged and what the client saw into an auth method per
// direction and a one-line reason.
import type { Attempt, AuthEvent, AuthMethod, MessageResult, PingResult } from "../../core/types.ts";
import { decidedBy, stream } from "./evidence.ts";

const matches = (e: AuthEvent, from: string, to: string, exact: boolean): boolean =>
  exact ? e.from === from && e.to === to : (e.from === from || e.from === "") && (e.to === to || e.to === "");

/** How `from` authenticated to `to`, by the strongest evidence in the logs. */
export function authMethod(events: AuthEvent[], from: string, to: string): AuthMethod {
  const ev = events.filter((e) => matches(e, from, to, true));
  if (ev.some((e) => e.kind === "external-ok")) return "external";
  if (ev.some((e) => e.kind === "dialback-ok")) return "dialback";
  // A stream that completed without SASL EXTERNAL succeeding went through dialback (Prosody logs no verdict line).
  if (ev.some((e) => e.kind === "connection-ok")) return "dialback";
  return "none";
}

/**
 * The first failure the logs give for the direction, in the judging server's words:
 * a server's own verdict on the peer's certificate first (the receiver's on the
 * initiator's, or the initiator's on the receiver's server certificate), then a
 * refused SASL EXTERNAL, then any other failure (e.g. "Stream closed by peer: …").
 */
export function failureReason(events: AuthEvent[], from: string, to: string): string | undefined {
  const failures = events.filter((e) => matches(e, from, to, false) && /failed/.test(e.kind) && e.reason);
  const best = failures.find((e) => e.judged) ?? failures.find((e) => e.kind === "external-failed") ?? failures[0];
  return best?.reason;
}

export interface Diagnosis {
  auth: { outbound: AuthMethod; inbound: AuthMethod };
  reason?: string;
}

/** `unverified`: the streams (`a → b`, `b → a`) whose receiver logged no verdict: their auth method is unknown. */
export function diagnose(events: AuthEvent[], a: string, b: string, message: MessageResult, ping: PingResult, unverified: string[] = []): Diagnosis {
  const method = (from: string, to: string) => (unverified.includes(stream(from, to)) ? "unknown" : authMethod(events, from, to));
  let outbound = method(a, b);
  const inbound = method(b, a);
  if (message.status === "delivered" && outbound === "none") outbound = "unknown";
  const parts: string[] = [];
  if (message.status !== "delivered") {
    const why = failureReason(events, a, b);
    // A wait ended by a log line (evidence.ts) says why in `text`.
    const bounce = message.status === "bounced" ? [message.condition, message.text].filter(Boolean).join(": ") : message.text ?? "no reply";
    // The receiving server's words when there are some; the bounce stays in `message`.
    parts.push(why ?? bounce);
  }
  if (ping.status !== "result") {
    const why = failureReason(events, b, a);
    if (message.status === "delivered") {
      // The words a reader needs: the reply path is refused, and by whose verdict.
      parts.push(`one-way: replies refused: ${why ?? ping.text ?? `no reply (ping ${ping.status}${ping.condition ? `: ${ping.condition}` : ""})`}`);
    }
  }
  return { auth: { outbound, inbound }, reason: parts.length ? parts.join("; ") : undefined };
}

/**
 * Why an attempt decided nothing about federation, or undefined when it did: the
 * harness could not probe (a login to its own server failed, a server died), or a
 * stanza neither arrived nor was refused in time (a bounce, an error reply or a
 * logged broken reply path are verdicts; a timeout is not: on two loaded cores a
 * dialback still under way and a reply held up both looked like one). A re-run
 * then decides the cell alone (run.ts settle).
 */
export function undecided(a: Attempt): string | undefined {
  if (a.outcome === "error") return a.error ?? "the harness could not probe the cell";
  if (a.unverified?.length) return `the receiver logged no verdict on ${a.unverified.join(" and ")} in time: the auth method is unknown`;
  const p = a.probe;
  if (!p || (a.decided ?? decidedBy(p.message, p.ping)) !== "timeout") return undefined;
  return p.message.status === "timeout" ? "the message neither arrived nor bounced in time" : "the reply neither came nor was refused in time";
}
