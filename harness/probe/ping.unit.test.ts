import { afterEach, describe, expect, it, vi } from "vitest";
import { ping } from "./probe.ts";
import type { XmppClient } from "./client.ts";

/** A client whose ping is answered when `answer` is called, or never (the request's own bound then rejects it). */
function fakeClient() {
  let answer = () => {};
  const client = {
    iqCaller: {
      request: (_stanza: unknown, timeout: number) =>
        new Promise((resolve, reject) => {
          answer = () => resolve({});
          setTimeout(() => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })), timeout);
        }),
    },
  } as unknown as XmppClient;
  return { client, answer: () => answer() };
}

function deferred() {
  let resolve = () => {};
  const settled = new Promise<void>((r) => (resolve = r));
  return { settled, resolve };
}

describe("ping after a message", () => {
  afterEach(() => vi.useRealTimers());

  it("counts its time from the message's end, not from its own start", async () => {
    vi.useFakeTimers();
    const { client, answer } = fakeClient();
    const message = deferred();
    let result: unknown;
    void ping(client, "b.example", 1000, undefined, { settled: message.settled, withinMs: 5000 }).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(3000); // a slow delivery: longer than the ping's own 1000 ms
    message.resolve();
    await vi.advanceTimersByTimeAsync(500);
    expect(result).toBeUndefined();
    answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toMatchObject({ status: "result" });
  });

  it("times out `ms` after the message's end when no reply comes", async () => {
    vi.useFakeTimers();
    const { client } = fakeClient();
    const message = deferred();
    let result: unknown;
    void ping(client, "b.example", 1000, undefined, { settled: message.settled, withinMs: 5000 }).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(2000);
    message.resolve();
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ status: "timeout" });
  });
});
