// Openfire's log → s2s authentication facts (the adapter's parseAuthEvents).
import type { AuthEvent } from "../../core/types.ts";
import { stripAnsi } from "../../core/text.ts";

//
// Line layout (stock and ours): `2026.03.02 10:00:00.123 DEBUG [thread]: <logger> - <message>`.
// Many Openfire loggers carry their context in the logger name, e.g.
// `org.jivesoftware.openfire.server.ServerDialback[Acting as Receiving Server: Validate domain: b.example(id x) for OS: a.example]`.
// Messages below are copied from Openfire's sources (main branch, 2025-26: SASLAuthentication,
// LocalIncomingServerSession, LocalOutgoingServerSession, ServerDialback). Events are reported
// as `from` = initiating domain, `to` = receiving domain, whichever side wrote the line.

const CONTEXT_LINE = /([A-Za-z0-9_$]+)\[([^\]]*)\] - (.*)$/;
const EXCEPTION_LINE = /^\s*(?:[\w$]+\.)*([\w$]*(?:Exception|Error))(?::\s*(.*))?$/;

interface Pair {
  from: string;
  to: string;
}

/** The s2s direction named by a logger context, if any. */
function contextPair(context: string): Pair | undefined {
  let m: RegExpExecArray | null;
  // Receiving side (we are the receiver): the peer (OS / AS) is `from`.
  if ((m = /^Acting as Receiving Server: Validate domain: (\S+?)\(id [^)]*\) for OS: (\S+)$/.exec(context))) {
    return { from: m[2]!, to: m[1]! };
  }
  if ((m = /^Acting as Receiving Server: Verify key with AS: (\S+) for OS: (\S+) \(id /.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  // Initiating side (we are the originating server): local is `from`.
  if ((m = /^Acting as Originating Server: (?:Create Outgoing Session from|Authenticate domain): (\S+) (?:to|with) a RS in the domain of: (\S+) \(/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  if ((m = /^Authenticate local domain: '([^']+)' to remote domain: '([^']+)'$/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  if ((m = /^(?:Authenticate connection|Create outgoing session|Encrypt connection|Dialback over TLS|EXTERNAL SASL) for: \{(\S+) -> (\S+)\}/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  return undefined;
}

type Rule = [RegExp, AuthEvent["kind"], string?];

/** Messages logged under a context logger; the context gives the pair. */
const CONTEXT_RULES: Rule[] = [
  // Receiving side, ServerDialback.validateRemoteDomain / verifyKey.
  [/^Successfully validated domain!$/, "dialback-ok"],
  [/^Host authenticated based on SASL\. Weaker dialback-based authentication is skipped\.$/, "dialback-ok", "dialback request accepted on the certificate (key not verified)"],
  [/^Unable to verify key: AS reports that the key is invalid\.$/, "dialback-failed", "the authoritative server reports the dialback key invalid"],
  [/^Unable to verify key: An error occurred\.$/, "dialback-failed", "dialback key verification failed (error or timeout at the authoritative server)"],
  // Initiating side, LocalOutgoingServerSession.authenticate / createOutgoingSession / authenticateDomain.
  [/^Successfully authenticated with EXTERNAL SASL\.$/, "external-ok"],
  [/^Failed to authenticate with EXTERNAL SASL\.$/, "external-failed", "the receiving server did not accept SASL EXTERNAL"],
  [/^Successfully authenticated with dialback\.$/, "dialback-ok"],
  [/^Successfully authenticated the connection with dialback[.!]$/, "dialback-ok"],
  [/^Failed to authenticate with dialback\.$/, "dialback-failed"],
  [/^(?:Unable|Failed) to authenticate the connection with dialback\.$/, "dialback-failed"],
  [/^(?:StartTLS|Direct TLS) negotiation failed\./, "connection-failed", "TLS negotiation failed"],
  [/^Unable to authenticate the connection: SASL authentication failed \(and dialback is not available\)\.$/, "connection-failed", "the receiving server's certificate was not accepted and dialback is disabled"],
  [/^Authentication successful\.$/, "connection-ok"],
];

/**
 * s2s authentication events in Openfire's log. Pure; understands the lines listed above
 * plus two context-free receiving-side lines. The receiving domain of those is learnt from
 * `Creating new session ... for local 'B' to peer 'A'` (or any other line naming the local
 * domain): Openfire serves one domain, so one is enough.
 */
export function parseOpenfireAuthEvents(rawLines: string[]): AuthEvent[] {
  const lines = rawLines.map((l) => stripAnsi(l).replace(/\r$/, ""));

  // Pass 1: which local domain each peer talked to.
  const localFor = new Map<string, string>();
  const locals = new Set<string>();
  for (const line of lines) {
    let m = /Creating new session with stream ID '[^']*' for local '([^']+)' to peer '([^']+)'/.exec(line);
    if (m) {
      locals.add(m[1]!);
      localFor.set(m[2]!, m[1]!);
      continue;
    }
    m = CONTEXT_LINE.exec(line);
    const pair = m && contextPair(m[2]!);
    if (pair) {
      const receiving = m![2]!.startsWith("Acting as Receiving Server");
      locals.add(receiving ? pair.to : pair.from);
      if (receiving) localFor.set(pair.from, pair.to);
    }
  }
  const receiverOf = (peer: string): string => localFor.get(peer) ?? (locals.size === 1 ? [...locals][0]! : "");
  /** Message of the exception printed on the line after `i`, if any (log4j appends stack traces). */
  const exceptionAfter = (i: number): string | undefined => {
    const m = EXCEPTION_LINE.exec(lines[i + 1] ?? "");
    return m ? (m[2]?.trim() || m[1]) : undefined;
  };

  const events: AuthEvent[] = [];
  const lastKind = new Map<string, AuthEvent["kind"]>();
  const push = (event: AuthEvent): void => {
    events.push(event);
    lastKind.set(`${event.from} ${event.to}`, event.kind);
  };

  lines.forEach((line, i) => {
    let m: RegExpExecArray | null;
    const raw = rawLines[i]!;

    // SASLAuthentication.authenticationSuccessful (INFO).
    if ((m = /Inbound Server (\S+) authenticated \(via TLS\)/.exec(line))) {
      push({ kind: "external-ok", from: m[1]!, to: receiverOf(m[1]!), line: raw });
      return;
    }
    // SASLAuthentication.handle: "SASL negotiation failed for session: {}" + stack trace (DEBUG).
    if ((m = /SASL negotiation failed for session: LocalIncomingServerSession\{.*?localDomain=([^,}]+), defaultIdentity=([^,}]+)/.exec(line))) {
      const reason = exceptionAfter(i) ?? "SASL EXTERNAL negotiation failed";
      push({ kind: "external-failed", from: m[2]!, to: m[1]!, reason, line: raw });
      return;
    }
    // LocalIncomingServerSession.validateSubsequentDomain: INFO (stream error) or DEBUG (dialback error) variant.
    if ((m = /Unable to validate domain '([^']+)':? \(full stack trace is logged on debug level\): ?(.*)$/.exec(line))) {
      push({ kind: "dialback-failed", from: m[1]!, to: receiverOf(m[1]!), reason: m[2]?.trim() || "dialback validation failed", line: raw });
      return;
    }
    // ServerDialback.createIncomingSession (dialback-only streams); success is also logged by
    // validateRemoteDomain ("Successfully validated domain!"), so only the failure counts here.
    if ((m = /ServerDialback: RS - Validation of remote domain for incoming session from (\S+) to (\S+) was not successful\./.exec(line))) {
      push({ kind: "dialback-failed", from: m[1]!, to: m[2]!, reason: exceptionAfter(i) ?? "dialback validation failed", line: raw });
      return;
    }

    m = CONTEXT_LINE.exec(line);
    const pair = m && contextPair(m[2]!);
    if (!m || !pair) return;
    const message = m[3]!.trim();
    if (message === "Trying to authenticate with dialback." && lastKind.get(`${pair.from} ${pair.to}`) === "external-failed") {
      push({ kind: "dialback-retry", ...pair, reason: "SASL EXTERNAL failed; trying dialback", line: raw });
      return;
    }
    for (const [pattern, kind, reason] of CONTEXT_RULES) {
      if (!pattern.test(message)) continue;
      const detail = kind === "connection-failed" ? exceptionAfter(i) : undefined;
      const why = detail ? (reason ? `${reason}: ${detail}` : detail) : reason;
      push({ kind, ...pair, ...(why ? { reason: why } : {}), line: raw });
      return;
    }
    // LocalOutgoingServerSession.authenticateDomain: "Unable to authenticate: <why>".
    if (/^Authenticate local domain: /.test(m[2]!) && message.startsWith("Unable to authenticate: ")) {
      push({ kind: "connection-failed", ...pair, reason: message.slice("Unable to authenticate: ".length), line: raw });
    }
  });
  return events;
}
