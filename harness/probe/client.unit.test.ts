// The probe's xmpp.js client, where it differs from the library's own behaviour.
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { xml } from "@xmpp/client-core";
import { createClient, discard, startTlsWanted, type XmppClient } from "./client.ts";

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

  // A scripted server on loopback: it opens the stream with the features given and
  // records what the client sends next (its <starttls/> or its <auth/>), then hangs up.
  describe("STARTTLS only where the server requires it", () => {
    let server: net.Server;
    let features = "";
    let answer: (text: string) => void = () => {};
    beforeAll(async () => {
      server = net.createServer((s) => {
        s.on("error", () => {});
        let text = "";
        let opened = false;
        s.on("data", (d) => {
          text += d.toString();
          if (!opened && text.includes("<stream:stream")) {
            opened = true;
            text = "";
            s.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='a.example' version='1.0'><stream:features>${features}</stream:features>`);
          } else if (opened && /<(starttls|auth)\b/.test(text)) {
            answer(text);
            s.destroy();
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    /** What the client sends after the stream's features. */
    async function afterFeatures(offered: string): Promise<string> {
      features = offered;
      const sent = new Promise<string>((r) => (answer = r));
      const port = (server.address() as net.AddressInfo).port;
      const c: XmppClient = createClient({ service: `xmpp://127.0.0.1:${port}`, domain: "a.example", username: "probe", password: "x", ca: "" });
      c.on("error", () => {});
      c.start().catch(() => {}); // the server hangs up after the client's answer
      try {
        return await sent;
      } finally {
        discard(c);
      }
    }

    const PLAIN = "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>";

    it("offered, not required (the harness's own configs): logs in with PLAIN, no TLS", async () => {
      const sent = await afterFeatures(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>${PLAIN}`);
      expect(sent).toMatch(/<auth [^>]*mechanism=['"]PLAIN['"]/);
      expect(sent).not.toContain("<starttls");
    });

    it("a connection that leaves this machine (a remote engine's published port) negotiates it anyway", () => {
      // Decided from the service's address: no test sends anything beyond loopback.
      expect(startTlsWanted("xmpp://172.17.0.1:32768", false)).toBe(true);
      expect(startTlsWanted("xmpp://host1.internal:32768", false)).toBe(true);
      expect(startTlsWanted("xmpp://127.0.0.1:32768", false)).toBe(false);
      expect(startTlsWanted("xmpp://[::1]:32768", false)).toBe(false);
      expect(startTlsWanted("xmpp://localhost:32768", true)).toBe(true);
    });

    it("required (an operator's config, Openfire): STARTTLS first", async () => {
      const sent = await afterFeatures(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>${PLAIN}`);
      expect(sent).toMatch(/^<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]\/>$/);
    });
  });
});
