// The probe's xmpp.js client, where it differs from the library's own behaviour.
import { afterEach, describe, expect, it, vi } from "vitest";
import { xml } from "@xmpp/client-core";
import { createClient } from "./client.ts";

describe("probe client", () => {
  it("ignores bytes that arrive after xmpp.js dropped the stream's parser", () => {
    // No connection is made: the client is only built.
    const c = createClient({ service: "xmpp://127.0.0.1:1", domain: "a.example", username: "probe", password: "x", ca: "" }) as unknown as {
      parser: unknown;
      _onData(data: Buffer): void;
    };
    c.parser = null; // as after stop() or the server's </stream:stream>
    expect(() => c._onData(Buffer.from("<message/>"))).not.toThrow();
    const seen: string[] = [];
    c.parser = { write: (s: string) => seen.push(s) };
    c._onData(Buffer.from("<presence/>"));
    expect(seen).toEqual(["<presence/>"]);
  });

  describe("a request whose reply never comes", () => {
    afterEach(() => vi.useRealTimers());

    for (const event of ["offline", "disconnect"]) {
      it(`ends, timer and all, when the stream goes ${event}`, async () => {
        vi.useFakeTimers();
        const c = createClient({ service: "xmpp://127.0.0.1:1", domain: "a.example", username: "probe", password: "x", ca: "" }) as unknown as {
          send(el: unknown): Promise<void>;
          emit(event: string, ...args: unknown[]): void;
          iqCaller: { request(el: unknown, ms: number): Promise<unknown> };
        };
        c.send = async () => {}; // sent, never answered
        const request = c.iqCaller.request(xml("iq", { type: "get", to: "b.example" }, xml("ping", { xmlns: "urn:xmpp:ping" })), 60_500);
        let ended: string | undefined;
        void request.then(() => (ended = "answered"), (e: Error) => (ended = e.message));
        await vi.advanceTimersByTimeAsync(0);
        expect(vi.getTimerCount()).toBe(1); // the request's own 60.5 s bound
        c.emit(event, { clean: true });
        await vi.advanceTimersByTimeAsync(0); // promise callbacks only: the clock stays put
        expect(ended).toBe("stream closed before the reply");
        // Its timer is gone too: nothing is left to hold the process open.
        expect(vi.getTimerCount()).toBe(0);
      });
    }
  });
});
