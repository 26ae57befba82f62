// A wait's timeout goes on while the cell's evidence grows (PATIENCE), on a clock
// the test controls: silence ends it on time, progress extends it by 5 s, never past
// twice the timeout.
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { XmppClient } from "./client.ts";
import { patientTimer, sendMessage } from "./probe.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** When `fire` was called, in ms from the start; `lines` is the evidence count the timer reads. */
function watch(ms: number, withProgress = true) {
  const t0 = Date.now();
  const seen = { firedAt: undefined as number | undefined, lines: 0 };
  patientTimer(ms, () => (seen.firedAt = Date.now() - t0), withProgress ? () => seen.lines : undefined);
  return seen;
}

describe("patientTimer", () => {
  it("fires on time without a progress count, and on time when nothing new was logged", async () => {
    const plain = watch(15_000, false);
    const silent = watch(15_000);
    silent.lines = 0;
    await vi.advanceTimersByTimeAsync(14_999);
    expect([plain.firedAt, silent.firedAt]).toEqual([undefined, undefined]);
    await vi.advanceTimersByTimeAsync(1);
    expect([plain.firedAt, silent.firedAt]).toEqual([15_000, 15_000]);
  });

  it("lines logged before the time is up: 5 s more, then it fires if nothing new came", async () => {
    const w = watch(15_000);
    await vi.advanceTimersByTimeAsync(9_000);
    w.lines = 3;
    await vi.advanceTimersByTimeAsync(6_000);
    expect(w.firedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.firedAt).toBe(20_000);
  });

  it("lines logged all along: it fires at twice the timeout, not later", async () => {
    const w = watch(15_000);
    for (let t = 0; t < 40_000 && w.firedAt === undefined; t += 1_000) {
      w.lines++;
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(w.firedAt).toBe(30_000);
  });
});

/** Two clients on an EventEmitter: `b` receives what `deliver` hands it. */
function clients() {
  let id = "";
  const a = Object.assign(new EventEmitter(), { send: async (el: { attrs: { id: string } }) => void (id = el.attrs.id) });
  const b = new EventEmitter();
  const deliver = () => b.emit("stanza", { is: (n: string) => n === "message", attrs: { id, type: "chat" } });
  return { a: a as unknown as XmppClient, b: b as unknown as XmppClient, deliver };
}

describe("a message under way when its time is up", () => {
  it("is still delivered while the logs show the servers at work", async () => {
    const { a, b, deliver } = clients();
    let lines = 0;
    let result: unknown;
    void sendMessage(a, b, "probe@b.example", 15_000, undefined, () => lines).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(12_000);
    lines = 4; // "Outbound s2s connection started", TLS, …
    await vi.advanceTimersByTimeAsync(5_000);
    expect(result).toBeUndefined();
    deliver();
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: "delivered", ms: 17_000 });
  });

  it("times out on time when the logs are silent", async () => {
    const { a, b } = clients();
    let result: unknown;
    void sendMessage(a, b, "probe@b.example", 15_000, undefined, () => 2).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(15_000);
    expect(result).toMatchObject({ status: "timeout", ms: 15_000 });
  });
});
