// The probe's xmpp.js client, where it differs from the library's own behaviour.
import { describe, expect, it } from "vitest";
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
});
