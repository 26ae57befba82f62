import { describe, expect, it } from "vitest";
import { phaseTable, Timings } from "./timings.ts";

/** A clock the test moves by hand. */
function clock(start = 1000) {
  let t = start;
  return { now: () => t, to: (ms: number) => void (t = ms) };
}

describe("Timings", () => {
  it("records a span from its start to its end, measured from the run's start", () => {
    const c = clock();
    const t = new Timings(c.now);
    c.to(1500);
    const end = t.start("network");
    c.to(1750);
    end();
    expect(t.spans).toEqual([{ phase: "network", startMs: 500, ms: 250 }]);
  });

  it("time() ends the span when the work throws", async () => {
    const c = clock(0);
    const t = new Timings(c.now);
    await expect(
      t.time("CA", async () => {
        c.to(40);
        throw new Error("no CA");
      }),
    ).rejects.toThrow("no CA");
    expect(t.spans).toEqual([{ phase: "CA", startMs: 0, ms: 40 }]);
  });

  it("cover() widens one span over overlapping pieces: cells 3–5 s and 2–9 s make 2–9 s", () => {
    const c = clock(0);
    const t = new Timings(c.now);
    c.to(2000);
    const long = t.mark();
    c.to(3000);
    const short = t.mark();
    c.to(5000);
    t.cover("cells", short);
    c.to(9000);
    t.cover("cells", long);
    expect(t.spans).toEqual([{ phase: "cells", startMs: 2000, ms: 7000 }]);
  });
});

describe("phaseTable", () => {
  it("lists the spans by start, in seconds", () => {
    const table = phaseTable([
      { phase: "teardown", startMs: 9000, ms: 1250 },
      { phase: "network", startMs: 0, ms: 120 },
      { phase: "boot prosody@13.0.7#1", startMs: 700, ms: 2300 },
    ]);
    expect(table).toBe(
      [
        "| phase | from (s) | to (s) | seconds |",
        "| --- | ---: | ---: | ---: |",
        "| network | 0.0 | 0.1 | 0.1 |",
        "| boot prosody@13.0.7#1 | 0.7 | 3.0 | 2.3 |",
        "| teardown | 9.0 | 10.3 | 1.3 |",
      ].join("\n"),
    );
  });
});
