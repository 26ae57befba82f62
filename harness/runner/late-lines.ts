// The servers' lines about a probe reach the harness a moment after the probe ends
// (Docker's log stream; on two loaded cores ejabberd's verdicts came >250 ms late).
// Which lines a cell waits for, and the wait.
import type { AuthEvent, MessageResult, PingResult } from "../../core/types.ts";
import { messageLost, unverifiedStreams } from "../probe/evidence.ts";

export interface LateLinesWait {
  /** Read at least this long: lines nobody waits for by name may still come. */
  minMs: number;
  /** Never longer: a line that never comes leaves the cell as it stands. */
  maxMs: number;
}

/** Longest wait for a cell's due lines; it ends as soon as they are read. */
export const DUE_WAIT_MS = 5_000;
/** How long a cell reads on when no line is due by name. */
export const LATE_LINES_MS = 250;
/** How often the logs are read again while waiting. */
export const READ_EVERY_MS = 25;

export interface DueLines {
  wait: LateLinesWait;
  /** The streams (`a → b`) whose receiver's verdict is due and not among the events. */
  unverified(initiatorEvents: AuthEvent[], receiverEvents: AuthEvent[]): string[];
  /** Whether a due line is not among the events yet. */
  missing(initiatorEvents: AuthEvent[], receiverEvents: AuthEvent[]): boolean;
}

/**
 * What a cell waits for after its probe:
 * - a cell that worked between two servers: both receivers' verdicts (how each side
 *   authenticated; with --capture too, the relay forwards the same certificates);
 * - a message bounced by an initiator that logs why before it bounces
 *   (`logsBeforeBounce`): that line, or a receiver's "Stream reset by peer" would
 *   stand as the reason;
 * - otherwise nothing by name, LATE_LINES_MS for whatever comes.
 */
export function dueLines(
  probe: { message: MessageResult; ping: PingResult },
  cell: { initiator: string; receiver: string; onOneServer: boolean; initiatorLogsBeforeBounce: boolean },
): DueLines {
  const { initiator: a, receiver: b } = cell;
  const verdicts = probe.message.status === "delivered" && probe.ping.status === "result" && !cell.onOneServer;
  const bounce = probe.message.status === "bounced" && cell.initiatorLogsBeforeBounce;
  const unverified = (ea: AuthEvent[], eb: AuthEvent[]) => (verdicts ? unverifiedStreams(ea, eb, a, b) : []);
  return {
    wait: { minMs: verdicts ? 0 : LATE_LINES_MS, maxMs: verdicts || bounce ? DUE_WAIT_MS : LATE_LINES_MS },
    unverified,
    missing: (ea, eb) => unverified(ea, eb).length > 0 || (bounce && !messageLost([...eb, ...ea], a, b)),
  };
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: Date.now, sleep: (ms) => new Promise((res) => setTimeout(res, ms)) };

/**
 * Reads until `missing` says nothing is missing and `minMs` has passed, or `maxMs` has
 * passed; returns the last read.
 */
export async function readLateLines<R>(read: () => R, missing: (r: R) => boolean, wait: LateLinesWait, clock: Clock = realClock): Promise<R> {
  const start = clock.now();
  let r = read();
  for (;;) {
    const elapsed = clock.now() - start;
    if (elapsed >= wait.maxMs || (elapsed >= wait.minMs && !missing(r))) return r;
    await clock.sleep(READ_EVERY_MS);
    r = read();
  }
}
