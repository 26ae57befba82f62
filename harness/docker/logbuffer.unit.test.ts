import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { LogBuffer, linesFor } from "./logbuffer.ts";

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
