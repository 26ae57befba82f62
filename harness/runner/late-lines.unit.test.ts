// Which late lines a cell waits for, and the wait, on a clock the test moves: the
// certificate-profiles run of 2026-12-08 where ejabberd 23.01's bounce reached the probe
// before its own line saying why, and the cell's reason was the receiver's "Stream reset
// by peer" (unexpected, re-run) instead of "certificate has expired".
import { describe, expect, it } from "vitest";
import { diagnose } from "../probe/diagnose.ts";
import { ejabberd } from "../servers/ejabberd.ts";
import { jabberd2 } from "../servers/jabberd2.ts";
import { prosody } from "../servers/prosody.ts";
import type { AuthEvent, MessageResult, PingResult } from "../../core/types.ts";
import { dueLines, readLateLines, type Clock } from "./late-lines.ts";

const A = "c1013-a.example";
const B = "c1013-b.example";
const cell = { initiator: A, receiver: B, onOneServer: false, initiatorLogsBeforeBounce: true };
const bounced: MessageResult = { status: "bounced", condition: "remote-server-timeout", text: "Peer certificate rejected: certificate has expired", ms: 183 };
const pingError: PingResult = { status: "error", condition: "remote-server-timeout", ms: 188 };
const RESET = `2026-12-08 02:12:48.810093+00:00 [info] Closing inbound s2s connection ${A} -> ${B}: Stream reset by peer`;
const FAILED = `2026-12-08 02:12:48.937689+00:00 [warning] Failed to establish outbound s2s connection ${A} -> ${B}: Peer certificate rejected: certificate has expired; bouncing for 130 seconds`;
const parse = (lines: string[]) => ejabberd.parseAuthEvents(lines);

/** A clock that moves only when the code under test sleeps. */
function fakeClock(): Clock & { reads: number } {
  let t = 0;
  return { reads: 0, now: () => t, sleep: async (ms) => void (t += ms) };
}

describe("dueLines", () => {
  it("the adapters that log why before they bounce: ejabberd and Prosody, not jabberd2", () => {
    expect([ejabberd, prosody, jabberd2].map((x) => x.logsBeforeBounce === true)).toEqual([true, true, false]);
  });

  it("a bounce by an initiator that logs why first: its line is due, read for 250 ms at least and 5 s at most", () => {
    const due = dueLines({ message: bounced, ping: pingError }, cell);
    expect(due.wait).toEqual({ minMs: 250, maxMs: 5_000 });
    expect(due.missing([], parse([RESET]))).toBe(true);
    expect(due.missing(parse([FAILED]), parse([RESET]))).toBe(false);
  });

  it("a bounce by an initiator that does not log why first: nothing due, 250 ms", () => {
    const due = dueLines({ message: bounced, ping: pingError }, { ...cell, initiatorLogsBeforeBounce: false });
    expect(due.wait).toEqual({ minMs: 250, maxMs: 250 });
    expect(due.missing([], parse([RESET]))).toBe(false);
  });

  it("a cell that worked: both receivers' verdicts are due, and none is waited for on one server", () => {
    const delivered: MessageResult = { status: "delivered", ms: 40 };
    const result: PingResult = { status: "result", ms: 60 };
    const due = dueLines({ message: delivered, ping: result }, cell);
    expect(due.wait).toEqual({ minMs: 0, maxMs: 5_000 });
    const inbound = parse([`2026-12-08 02:12:48.9+00:00 [info] Accepted inbound s2s EXTERNAL authentication ${A} -> ${B} (::ffff:172.18.0.5)`]);
    const back = parse([`2026-12-08 02:12:49.0+00:00 [info] Accepted inbound s2s EXTERNAL authentication ${B} -> ${A} (::ffff:172.18.0.4)`]);
    expect(due.unverified([], inbound)).toEqual([`${B} → ${A}`]);
    expect(due.missing(back, inbound)).toBe(false);
    expect(dueLines({ message: delivered, ping: result }, { ...cell, onOneServer: true }).wait).toEqual({ minMs: 250, maxMs: 250 });
  });
});

describe("readLateLines", () => {
  /** Both servers' events as the harness reads them: the initiator's line arrives on read `lateAt`. */
  const reader = (clock: ReturnType<typeof fakeClock>, lateAt: number) => () => {
    clock.reads++;
    return { ea: clock.reads >= lateAt ? parse([FAILED]) : [], eb: parse([RESET]) };
  };
  const reason = (r: { ea: AuthEvent[]; eb: AuthEvent[] }) => diagnose([...r.eb, ...r.ea], A, B, bounced, pingError).reason;

  it("the bounce's line 700 ms late: read on until it came, and the reason is the initiator's verdict", async () => {
    const clock = fakeClock();
    const due = dueLines({ message: bounced, ping: pingError }, cell);
    const r = await readLateLines(reader(clock, 29), (x) => due.missing(x.ea, x.eb), due.wait, clock);
    expect(clock.reads).toBe(29);
    expect(clock.now()).toBe(700);
    expect(reason(r)).toBe("certificate has expired");
  });

  it("a due line that never comes: the wait ends at maxMs with what was read", async () => {
    const clock = fakeClock();
    const r = await readLateLines(reader(clock, Infinity), () => true, { minMs: 250, maxMs: 5_000 }, clock);
    expect(clock.now()).toBe(5_000);
    expect(clock.reads).toBe(201);
    expect(reason(r)).toBe("Stream reset by peer");
  });

  it("nothing due: read for minMs all the same, for lines nobody names", async () => {
    const clock = fakeClock();
    await readLateLines(reader(clock, Infinity), () => false, { minMs: 250, maxMs: 250 }, clock);
    expect(clock.now()).toBe(250);
    expect(clock.reads).toBe(11);
  });
});
