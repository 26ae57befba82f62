import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { LogBuffer, UNATTRIBUTED, evidenceFor, linesFor } from "./logbuffer.ts";

describe("LogBuffer", () => {
  test("splits a stream into lines across chunk borders", () => {
    const b = new LogBuffer();
    const s = new PassThrough();
    b.attach(s);
    s.write("one\ntw");
    s.write("o\r\nthree\n");
    expect(b.lines).toEqual(["one", "two", "three"]);
    const m = b.mark();
    s.write("four\n");
    expect(b.since(m)).toEqual(["four"]);
  });
});

describe("LogBuffer bounds", () => {
  const limits = { headLines: 3, windowChars: 1_000, lineChars: 50 };
  const attached = () => {
    const b = new LogBuffer(limits);
    const s = new PassThrough();
    b.attach(s);
    return { b, s };
  };

  test("a chatty server: the first lines and the latest within the budget are kept, marks still point at the same lines", () => {
    const { b, s } = attached();
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(20)}`; // 32 characters
    for (let i = 0; i < 10; i++) s.write(`${line(i)}\n`);
    const m = b.mark();
    for (let i = 10; i < 20_000; i++) s.write(`${line(i)}\n`);
    const chars = b.lines.reduce((n, l) => n + l.length, 0);
    expect(chars).toBeLessThanOrEqual(3 * 32 + 1_000);
    expect(b.lines.slice(0, 3)).toEqual([line(0), line(1), line(2)]);
    expect(b.lines.at(-1)).toBe(line(19_999));
    expect(b.mark()).toBe(20_000);
    // Lines 10… that were dropped are gone; what since() gives is still in order and ends at the latest.
    const since = b.since(m);
    expect(since.at(-1)).toBe(line(19_999));
    expect(since.every((l, i) => i === 0 || l > since[i - 1])).toBe(true);
    const m2 = b.mark();
    s.write(`${line(20_000)}\n`);
    expect(b.since(m2)).toEqual([line(20_000)]);
  });

  test("a line without end is cut, and its rest dropped up to its newline", () => {
    const { b, s } = attached();
    s.write("first\n");
    for (let i = 0; i < 1_000; i++) s.write("y".repeat(100));
    s.write("z\nnext\n");
    expect(b.lines).toEqual(["first", `${"y".repeat(50)} … (line cut at 50 characters)`, "next"]);
  });

  test("tail, which reaches the terminal in error messages, has no escape sequences or control characters", () => {
    const { b, s } = attached();
    s.write("plain\n\x1b]0;owned\x07\x1b[2Jcleared \x1b[31mred\x1b[0m\x08\n");
    expect(b.tail(2)).toEqual(["plain", "cleared red"]);
  });
});

describe("linesFor", () => {
  const log = [
    "c1-a.example:saslauth info Initiating SASL EXTERNAL with c1-b.example",
    "s2sout55aa info Stream encrypted (TLSv1.3)",
    "s2sout55aa info Outgoing s2s connection c1-a.example->c1-b.example complete",
    "s2sout77bb info Stream encrypted (TLSv1.3)",
    "c2-a.example:saslauth info something else",
    "c2s55cc debug Client sent opening <stream:stream> to c1-a.example",
  ];
  test("keeps lines naming the domains and every line of their s2s sessions, not the probe's c2s lines", () => {
    expect(linesFor(log, ["c1-a.example", "c1-b.example"])).toEqual([log[0], log[1], log[2]]);
  });
  test("is bounded", () => {
    const many = Array.from({ length: 1000 }, (_, i) => `x c1-a.example ${i}`);
    const out = linesFor(many, ["c1-a.example"], 100);
    expect(out).toHaveLength(101);
    expect(out[50]).toMatch(/900 lines left out/);
  });
});

describe("evidenceFor", () => {
  // jabberd2 names an incoming connection by fd and address only: its TLS error names no domain.
  const log = [
    "s2s: [12] [172.18.0.5, port=41234] incoming connection",
    "s2s: [12] [172.18.0.5, port=41234] error: SSL handshake error (error:04000066:object identifier routines::oid exists)",
    "s2s: [13] [172.18.0.6, port=5269] outgoing route 'c1-b.example/c1-a.example' is now valid",
    "s2s: [14] [172.18.0.7, port=5269] error: SSL handshake error (certificate verify failed) {fd 14: out c2-b.example}",
    "s2sin77bb error Traceback (most recent call last)",
    "s2sin77bb info Incoming s2s stream c2-a.example->c2-b.example",
    "c2s55cc error something about the probe's client",
    "s2s: [15] [172.18.0.8, port=5269] debug: nothing went wrong",
  ];
  test("adds, marked, error lines that name no test domain; not other cells' lines, the probe's, or non-errors", () => {
    expect(evidenceFor(log, ["c1-a.example", "c1-b.example"])).toEqual([UNATTRIBUTED + log[1], log[2]]);
  });
  test("linesFor, which auth events are read from, stays without them", () => {
    expect(linesFor(log, ["c1-a.example", "c1-b.example"])).toEqual([log[2]]);
  });
});
