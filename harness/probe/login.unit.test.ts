// What a failed c2s login says: the attempts, the budget, the first error (usually the
// one that ate the budget) and the last where it differs. On loopback, no Docker.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginError, login } from "./probe.ts";

describe("LoginError", () => {
  it("names the attempts, the budget, the first error and a different last one", () => {
    const e = new LoginError("a.example", [new Error("login to a.example: no result within 19.2s"), new Error("socket closed"), new Error("login to a.example: no result within 1s")], 20_000);
    expect(e.message).toBe("c2s login to a.example failed (3 attempts in 20s): login to a.example: no result within 19.2s; last: login to a.example: no result within 1s");
  });

  it("says an error once when the last repeats the first", () => {
    const e = new LoginError("a.example", [new Error("not-authorized"), new Error("not-authorized")], 3000);
    expect(e.message).toBe("c2s login to a.example failed (2 attempts in 3s): not-authorized");
  });

  it("names a library error that has no message by its code, else its class", () => {
    const coded = Object.assign(new Error(""), { code: "ECONNRESET" });
    expect(new LoginError("a.example", [coded], 1000).message).toBe("c2s login to a.example failed (1 attempt in 1s): ECONNRESET");
    class SocketError extends Error {
      override name = "SocketError";
    }
    expect(new LoginError("a.example", [new SocketError("")], 1000).message).toBe("c2s login to a.example failed (1 attempt in 1s): SocketError");
  });
});

describe("login against a server that never answers", () => {
  let server: net.Server;
  const sockets: net.Socket[] = [];
  /** What each connection sent, and when it closed. */
  const received: { text: string; closed: Promise<void> }[] = [];
  beforeAll(async () => {
    // Accepts and reads, never writes: the one attempt waits out the whole budget.
    server = net.createServer((s) => {
      const r = { text: "", closed: new Promise<void>((res) => s.on("close", () => res())) };
      received.push(r);
      s.on("data", (d) => (r.text += d.toString()));
      sockets.push(s.on("error", () => {}));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  it("throws a LoginError that says the one attempt took the whole budget", async () => {
    const port = (server.address() as net.AddressInfo).port;
    const failed = login({ service: `xmpp://127.0.0.1:${port}`, domain: "a.example", username: "probe", password: "x", verify: false }, "", 1500);
    await expect(failed).rejects.toBeInstanceOf(LoginError);
    await expect(failed).rejects.toThrow("c2s login to a.example failed (1 attempt in 1.5s): login to a.example: no result within 1.5s");
  });

  it("drops the failed attempt's connection without closing its stream (no wait on a server that never answers)", async () => {
    const port = (server.address() as net.AddressInfo).port;
    const before = received.length;
    await expect(login({ service: `xmpp://127.0.0.1:${port}`, domain: "b.example", username: "probe", password: "x", verify: false }, "", 1000)).rejects.toBeInstanceOf(LoginError);
    const [attempt] = received.slice(before);
    await attempt.closed;
    expect(attempt.text).toContain("<stream:stream");
    // A graceful stop writes the stream's end, then waits 2 s for the server's.
    expect(attempt.text).not.toContain("</stream:stream>");
  });
});
