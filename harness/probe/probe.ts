// The directed federation probe: a user on A's server sends a message to a user
// on B's server and pings B's domain; every wait is bounded.
import { randomBytes } from "node:crypto";
import { xml } from "@xmpp/client-core";
import { createClient, discard, type XmppClient } from "./client.ts";
import { formatDuration, within } from "../../core/time.ts";
import type { MessageResult, PingResult } from "../../core/types.ts";

export interface Endpoint {
  /** xmpp://host:port of the server's c2s listener. */
  service: string;
  domain: string;
  username: string;
  password: string;
  /** false: the host's certificate is meant to fail (expired, self-signed…), so a c2s STARTTLS (where the server requires one) does not verify it. */
  verify?: boolean;
}

export interface ProbeTimeouts {
  loginMs: number;
  messageMs: number;
  pingMs: number;
}

// A failed s2s attempt bounces within a second or two; an unanswered ping (one-way
// federation: iq results are never bounced) ends as soon as the receiver's log says
// its connection back failed, else costs the whole ping timeout. An unanswered ping
// makes the cell one-way, so the timeout is as long as the message's: 8 s once
// turned a slow reply on a loaded machine (load average 20 on 2 cores) into one-way.
export const DEFAULT_TIMEOUTS: ProbeTimeouts = { loginMs: 20_000, messageMs: 15_000, pingMs: 15_000 };

/** The harness could not log in: never a federation outcome. */
export class LoginError extends Error {
  /**
   * `errors`: every attempt's, in order. The first usually ate the budget (a server
   * that never answered), the last had what was left: both are shown when they differ.
   */
  constructor(readonly domain: string, errors: Error[], budgetMs: number) {
    const said = errors.map(errorText);
    const first = said[0] ?? "no attempt";
    const last = said.at(-1);
    const attempts = `${errors.length} attempt${errors.length === 1 ? "" : "s"} in ${formatDuration(budgetMs)}`;
    super(`c2s login to ${domain} failed (${attempts}): ${first}${last !== undefined && last !== first ? `; last: ${last}` : ""}`);
    this.name = "LoginError";
  }
}

/** An error's own words; a library error with no message is named by its code or class. */
function errorText(e: Error & { code?: unknown }): string {
  return e.message || (e.code ? String(e.code) : "") || e.name || String(e);
}

/**
 * Logs a client in, retrying errors of the client library itself (a socket torn
 * down right after the port opened): "ready" means a client can log in.
 */
export async function login(ep: Endpoint, ca: string, timeoutMs: number): Promise<XmppClient> {
  const deadline = Date.now() + timeoutMs;
  const errors: Error[] = [];
  while (Date.now() < deadline) {
    const client = createClient({ ...ep, ca });
    client.on("error", () => {}); // surfaced through start()'s rejection
    try {
      await within(Math.max(1000, deadline - Date.now()), `login to ${ep.domain}`, client.start());
      return client;
    } catch (e) {
      errors.push(e as Error);
      discard(client);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new LoginError(ep.domain, errors, timeoutMs);
}

export async function stopQuietly(...clients: (XmppClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c && within(3000, "logout", c.stop()).catch(() => {})));
}

function stanzaError(el: any): { condition?: string; text?: string } {
  const err = el.getChild("error");
  if (!err) return {};
  const condition = err.children.find((c: any) => typeof c !== "string" && c.attrs?.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text")?.name;
  const text = err.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas") ?? undefined;
  return { condition, text };
}

/** Asks `abandon` every 100 ms; `gaveUp` resolves with its first reason. */
function whenAbandoned(abandon?: () => string | undefined): { gaveUp: Promise<string>; stop: () => void } {
  let poll: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<string>((resolve) => {
    if (abandon) poll = setInterval(() => {
      const why = abandon();
      if (why) resolve(why);
    }, 100);
  });
  return { gaveUp, stop: () => clearInterval(poll) };
}

/** How long a message the logs gave up on still waits for its bounce. */
export const BOUNCE_GRACE_MS = 500;

/**
 * A wait's timeout goes on while the servers are still working on the cell: a
 * loaded machine once took 18 s to deliver a message its logs showed under way.
 * Each time the timeout comes and `progress` grew since the last look, it waits
 * PATIENCE.extendMs more, up to PATIENCE.factor × the timeout in all. Silence
 * ends the wait on time.
 */
export const PATIENCE = { extendMs: 5_000, factor: 2 };

/** Calls `fire` after `ms`, or later while `progress()` (a count of evidence, e.g. log lines) grows: see PATIENCE. */
export function patientTimer(ms: number, fire: () => void, progress?: () => number): { stop(): void } {
  const t0 = Date.now();
  let seen = progress?.() ?? 0;
  let timer: NodeJS.Timeout;
  const check = () => {
    const now = progress?.() ?? seen;
    const left = t0 + ms * PATIENCE.factor - Date.now();
    if (now === seen || left <= 0) return fire();
    seen = now;
    timer = setTimeout(check, Math.min(PATIENCE.extendMs, left));
  };
  timer = setTimeout(check, ms);
  return { stop: () => clearTimeout(timer) };
}

/**
 * A→B chat message: delivered to B's client, bounced back to A, or timed out.
 * `abandon` (asked every 100 ms) ends the wait once the logs say no stanza can
 * pass, after BOUNCE_GRACE_MS for a bounce: a timeout whose `text` is its reason.
 */
export function sendMessage(a: XmppClient, b: XmppClient, toJid: string, ms: number, abandon?: () => string | undefined, progress?: () => number): Promise<MessageResult> {
  const id = `s2s-matrix-${randomBytes(6).toString("hex")}`;
  const t0 = Date.now();
  const evidence = whenAbandoned(abandon);
  return new Promise((resolve) => {
    const finish = (r: Omit<MessageResult, "ms">) => {
      timer.stop();
      evidence.stop();
      a.removeListener("stanza", onA);
      b.removeListener("stanza", onB);
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const onB = (el: any) => {
      if (el.is("message") && el.attrs.id === id && el.attrs.type !== "error") finish({ status: "delivered" });
    };
    const onA = (el: any) => {
      if (el.is("message") && el.attrs.id === id && el.attrs.type === "error") finish({ status: "bounced", ...stanzaError(el) });
    };
    let timer = patientTimer(ms, () => finish({ status: "timeout" }), progress);
    void evidence.gaveUp.then((text) => {
      // The server that gave up usually bounces right after its line: the bounce's words say more.
      timer.stop();
      timer = patientTimer(BOUNCE_GRACE_MS, () => finish({ status: "timeout", text }));
    });
    b.on("stanza", onB);
    a.on("stanza", onA);
    a.send(xml("message", { to: toJid, type: "chat", id }, xml("body", {}, `s2s-matrix probe ${id}`))).catch(() => finish({ status: "timeout" }));
  });
}

/** An XEP-0199 ping of a server domain. */
const pingIq = (to: string) => xml("iq", { type: "get", to }, xml("ping", { xmlns: "urn:xmpp:ping" }));

/**
 * XEP-0199 ping from A's user to B's domain: its reply needs B→A as well. An iq
 * result that B cannot deliver is dropped, never bounced, so without `abandon`
 * a one-way pair costs the whole timeout; `abandon` (asked every 100 ms) ends
 * the wait early with its reason once no reply can come. With `after`, the `ms`
 * count from when `after.settled` settles (at most `after.withinMs` from now), and
 * go on while `progress` grows (PATIENCE).
 */
export async function ping(
  a: XmppClient,
  toDomain: string,
  ms: number,
  abandon?: () => string | undefined,
  after?: { settled: Promise<unknown>; withinMs: number },
  progress?: () => number,
): Promise<PingResult> {
  const t0 = Date.now();
  const { gaveUp, stop } = whenAbandoned(abandon);
  let done = false;
  let timer: { stop(): void } | undefined;
  const timedOut = new Promise<{ why?: string }>((resolve) => {
    if (after) void after.settled.then(() => {
      if (!done) timer = patientTimer(ms, () => resolve({}), progress);
    });
  });
  try {
    // With `after`, the request's own bound is only a backstop behind the timer above.
    const request = a.iqCaller.request(pingIq(toDomain), (after ? ms * PATIENCE.factor : ms) + (after?.withinMs ?? 0));
    const ended = await Promise.race([request.then(() => undefined), gaveUp.then((why) => ({ why })), timedOut]);
    if (ended) return { status: "timeout", ...(ended.why ? { text: ended.why } : {}), ms: Date.now() - t0 };
    return { status: "result", ms: Date.now() - t0 };
  } catch (e: any) {
    if (e?.name === "StanzaError") return { status: "error", condition: e.condition, text: e.text || undefined, ms: Date.now() - t0 };
    return { status: "timeout", ms: Date.now() - t0 };
  } finally {
    done = true;
    stop();
    timer?.stop();
  }
}

/**
 * Message and ping of one directed pair, run together (both are bounded).
 * `replyPathFailed` says why B can no longer answer A (from B's log); it ends the
 * ping wait early, once the message has been delivered. `messageLost` says why A's
 * message can no longer arrive (from both logs); it ends the message wait.
 * `progress` counts the cell's evidence so far (its log lines): a wait whose time
 * is up goes on while it grows (PATIENCE).
 */
export async function probePair(
  initiator: Endpoint,
  receiver: Endpoint,
  ca: string,
  t: ProbeTimeouts = DEFAULT_TIMEOUTS,
  replyPathFailed?: () => string | undefined,
  messageLost?: () => string | undefined,
  progress?: () => number,
): Promise<{ message: MessageResult; ping: PingResult }> {
  let a: XmppClient | undefined;
  let b: XmppClient | undefined;
  try {
    const [ra, rb] = await Promise.allSettled([login(initiator, ca, t.loginMs), login(receiver, ca, t.loginMs)]);
    a = ra.status === "fulfilled" ? ra.value : undefined;
    b = rb.status === "fulfilled" ? rb.value : undefined;
    if (ra.status === "rejected") throw ra.reason;
    if (rb.status === "rejected" || !b) throw (rb as PromiseRejectedResult).reason;
    // An available resource makes the server deliver to the client instead of storing offline.
    await b.send(xml("presence"));
    // A server handles a session's stanzas in order: once B's ping to its own server is
    // answered, B's presence has been handled. Without this, a message arriving first
    // bounced ("User session not found", seen once under load on ejabberd 26.07).
    await b.iqCaller.request(pingIq(receiver.domain), t.loginMs).catch(() => {});
    let delivered = false;
    // The ping goes on the message's stream: a message lost by the logs ends its wait too.
    let lost: string | undefined;
    const sent = sendMessage(a!, b, `${receiver.username}@${receiver.domain}`, t.messageMs, messageLost, progress).then(
      (m) => ((delivered = m.status === "delivered"), (lost = m.status === "timeout" ? m.text : undefined), m),
    );
    // The ping's time counts from the message's end: a slow delivery must not eat it.
    const [message, pingResult] = await Promise.all([
      sent,
      ping(a!, receiver.domain, t.pingMs, () => (delivered ? replyPathFailed?.() : lost), { settled: sent, withinMs: t.messageMs * PATIENCE.factor + BOUNCE_GRACE_MS }, progress),
    ]);
    return { message, ping: pingResult };
  } finally {
    // Not awaited: the verdict is in, and a logout (~0.1 s) would only delay the next cell.
    void stopQuietly(a, b);
  }
}
