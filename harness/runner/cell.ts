// One cell on two running servers: the probe, both servers' lines about it, and
// the attempt that comes of it; and the cell's result from its attempts.
import { captureCell } from "../capture/transcript.ts";
import type { StartedRelay } from "../capture/relay.ts";
import type { StartedInstance } from "../instance.ts";
import { evidenceFor, linesFor } from "../docker/logbuffer.ts";
import type { PlannedCell } from "../plan.ts";
import { diagnose, undecided } from "../probe/diagnose.ts";
import { decidedBy, lostText, messageLost, replyLost } from "../probe/evidence.ts";
import { LoginError, probePair, type ProbeTimeouts } from "../probe/probe.ts";
import { dueLines, readLateLines } from "./late-lines.ts";
import type { Attempt, AuthEvent, CellResult, CellSpec, Outcome } from "../../core/types.ts";
import { judge } from "../../core/judge.ts";

const outcomeOf = (a: Attempt) => `${a.outcome}/${a.probe?.auth.outbound ?? "-"}`;

/**
 * An unexpected cell ran twice: the same outcome and auth method twice stands,
 * anything else is flaky; a first attempt that decided nothing (undecided: an
 * error, a server's death under it included, or a timeout) leaves the verdict to
 * the second, and both stay in the cell's attempts.
 */
export function settle(first: Attempt, second: Attempt): Outcome {
  if (undecided(first)) return second.outcome;
  return outcomeOf(first) === outcomeOf(second) ? second.outcome : "flaky";
}

/** Probes one cell and reads both servers' logs for its domains. */
export async function runCell(
  cell: PlannedCell,
  ia: StartedInstance,
  ib: StartedInstance,
  ca: string,
  timeouts: ProbeTimeouts,
  relay?: StartedRelay,
): Promise<Attempt> {
  const domains = { initiator: cell.initiator.domain, receiver: cell.receiver.domain };
  const settings = { initiator: ia.settingsFor(domains.initiator), receiver: ib.settingsFor(domains.receiver) };
  const marks = [ia.logs.mark(), ib.logs.mark(), relay?.logs.mark() ?? 0];
  const t0 = Date.now();
  /** "server X is no longer running", or undefined when both are up. */
  const deadServers = async (): Promise<string | undefined> => {
    const dead = (await Promise.all([...new Set([ia, ib])].map(async (i) => ((await i.alive()) ? "" : i.spec.key)))).filter(Boolean);
    return dead.length ? `server ${dead.join(", ")} is no longer running` : undefined;
  };
  try {
    const names = [domains.initiator, domains.receiver];
    /** Both servers' whole log since the cell began (one server's when it is a self-pair on one). */
    const since = () => ({ ra: ia.logs.since(marks[0]), rb: ia === ib ? [] : ib.logs.since(marks[1]) });
    /** Both servers' lines about this cell so far. */
    const lines = (s = since()) => ({ la: linesFor(s.ra, names), lb: linesFor(s.rb, names) });
    /** Those lines and the auth events in them. */
    const read = (s = since()) => {
      const { la, lb } = lines(s);
      return { la, lb, ea: ia.spec.adapter.parseAuthEvents(la), eb: ib.spec.adapter.parseAuthEvents(lb) };
    };
    /** Lines as `logs` shows them: each with its server. */
    const tagged = (la: string[], lb: string[]) => [...la.map((l) => `[${ia.spec.key}] ${l}`), ...lb.map((l) => `[${ib.spec.key}] ${l}`)];
    // The line that ended a wait, as `logs` shows it: the attempt's evidence.
    const evidence: { message?: string; reply?: string } = {};
    const shown = (e: AuthEvent, r: ReturnType<typeof read>) => `[${(r.eb.includes(e) ? ib : ia).spec.key}] ${e.line}`;
    // A stanza of the cell a server dropped unbounced (ejabberd's s2s manager too slow):
    // the probe can no longer give a verdict, so it stops waiting, and the cell is an error.
    const droppedIn = (inst: StartedInstance, raw: string[]) => {
      const d = inst.spec.adapter.droppedStanzas?.(raw).find((x) => names.includes(x.from) && names.includes(x.to));
      return d && { ...d, line: `[${inst.spec.key}] ${d.line}` };
    };
    const dropped = (s = since()) => droppedIn(ia, s.ra) ?? droppedIn(ib, s.rb);
    // B's log says when its connection back to A failed: no ping reply can come after that.
    const replyPathFailed = () => {
      const s = since();
      const d = dropped(s);
      if (d) return (evidence.reply = d.line), d.reason;
      const r = read(s);
      const e = replyLost(r.eb, domains.initiator, domains.receiver);
      if (!e) return undefined;
      evidence.reply = shown(e, r);
      return `no reply: ${domains.receiver} logged that its connection to ${domains.initiator} failed`;
    };
    // Either log says A's message can no longer arrive: no need to wait for the timeout.
    const lost = () => {
      const s = since();
      const d = dropped(s);
      if (d) return (evidence.message = d.line), d.reason;
      const r = read(s);
      const e = messageLost([...r.eb, ...r.ea], domains.initiator, domains.receiver);
      if (!e) return undefined;
      evidence.message = shown(e, r);
      return lostText(e, domains.initiator);
    };
    // The servers still at work on the cell: its lines in both logs and the relay's.
    const quoted = names.map((n) => JSON.stringify(n));
    const progress = () => {
      const r = lines();
      return r.la.length + r.lb.length + (relay ? relay.logs.since(marks[2]).filter((l) => quoted.some((q) => l.includes(q))).length : 0);
    };
    const { message, ping } = await probePair(ia.endpoint(domains.initiator), ib.endpoint(domains.receiver), ca, timeouts, ia === ib ? undefined : replyPathFailed, lost, progress);
    // A server that died during the probe explains a bounce or a timeout ("connection
    // refused"): that is no federation verdict, the cell is an error naming it.
    if (message.status !== "delivered" || ping.status !== "result") {
      const dead = await deadServers();
      if (dead) return { outcome: "error", error: dead, domains, settings, durationMs: Date.now() - t0 };
    }
    const s = since();
    const drop = dropped(s);
    if (drop) {
      const { la, lb } = lines(s);
      const probe = { message, ping, auth: { outbound: "none", inbound: "none" } as const, events: [], logs: tagged(la, lb) };
      return { outcome: "error", error: drop.reason, evidence: drop.line, domains, settings, durationMs: Date.now() - t0, probe };
    }
    // The servers' lines about what just happened come a moment after the probe ends.
    const due = dueLines({ message, ping }, { ...domains, onOneServer: ia === ib, initiatorLogsBeforeBounce: ia.spec.adapter.logsBeforeBounce === true });
    const r = await readLateLines(read, (x) => due.missing(x.ea, x.eb), due.wait);
    // A verdict that never came (a line lost or later than the wait): that direction's
    // auth method is unknown, and the attempt decides nothing (diagnose.ts undecided).
    const missing = due.unverified(r.ea, r.eb);
    // The evidence also shows each server's error lines that name no domain (evidenceFor).
    const end = since();
    const la = evidenceFor(end.ra, names);
    const lb = evidenceFor(end.rb, names);
    // The receiver's words first: it is the side that judged the certificate.
    const events = [...r.eb, ...r.ea];
    const diag = diagnose(events, domains.initiator, domains.receiver, message, ping, missing);
    // Delivered but unanswered: the reply path receiver → initiator is refused.
    const outcome: Outcome = message.status !== "delivered" ? "fails" : ping.status === "result" ? "federates" : "one-way";
    const logs = tagged(la, lb);
    const capture = relay ? captureCell(relay.logs.since(marks[2]), domains) : undefined;
    const decided = decidedBy(message, ping);
    const line = decided === "log" ? (message.status === "timeout" ? evidence.message : evidence.reply) : undefined;
    return { outcome, domains, settings, decided, ...(line ? { evidence: line } : {}), ...(missing.length ? { unverified: missing } : {}), durationMs: Date.now() - t0, probe: { message, ping, auth: diag.auth, reason: diag.reason, events, logs }, capture };
  } catch (e) {
    const dead = await deadServers();
    const error = dead ?? (e instanceof LoginError ? e.message : `harness error: ${(e as Error).message}`);
    return { outcome: "error", error, domains, settings, durationMs: Date.now() - t0 };
  }
}

/** The verdict on one attempt taken alone. */
const judgeAttempt = (spec: CellSpec, a: Attempt, outcome = a.outcome) =>
  judge(spec.expected, { outcome, auth: a.probe?.auth ?? { outbound: "none" as const }, ping: a.probe?.ping, reason: a.probe?.reason ?? a.error });

/**
 * Whether the cell's verdict needed its re-run: the first attempt decided nothing, or it
 * decided the same outcome as the re-run but was not as expected where the re-run is (its
 * reason reached the log only after the wait, on loaded cores). Flakiness stays visible.
 */
export function neededRerun(spec: CellSpec, attempts: Attempt[], outcome: Outcome): boolean {
  const [first, last] = [attempts[0], attempts[attempts.length - 1]];
  if (attempts.length < 2 || undecided(last) || outcome === "flaky") return false;
  return !!undecided(first) || (!judgeAttempt(spec, first).asExpected && judgeAttempt(spec, last, outcome).asExpected);
}

export function toResult(spec: CellSpec, attempts: Attempt[], outcome: Outcome, installed: Map<string, string>): CellResult {
  const last = attempts[attempts.length - 1];
  const p = last.probe;
  const auth = p?.auth ?? { outbound: "none" as const, inbound: "none" as const };
  const verdict = judgeAttempt(spec, last, outcome);
  const notes = attempts.flatMap((a) => (a.note ? [a.note] : []));
  const retried = neededRerun(spec, attempts, outcome);
  return {
    spec,
    installed: {
      initiator: installed.get(spec.initiator.server) ?? spec.initiator.server,
      receiver: installed.get(spec.receiver.server) ?? spec.receiver.server,
    },
    outcome,
    attempts,
    auth,
    message: p?.message,
    ping: p?.ping,
    reason: p?.reason ?? last.error,
    logs: p?.logs ?? [],
    error: last.error,
    capture: last.capture,
    ...(last.settings ? { settings: last.settings } : {}),
    ...(notes.length ? { notes } : {}),
    ...(last.decided ? { decided: last.decided } : {}),
    ...(last.evidence ? { evidence: last.evidence } : {}),
    ...(retried ? { retried } : {}),
    asExpected: verdict.asExpected,
    mismatch: verdict.mismatch,
    durationMs: attempts.reduce((s, a) => s + a.durationMs, 0),
  };
}

