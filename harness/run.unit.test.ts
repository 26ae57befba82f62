import { describe, expect, test } from "vitest";
import { pool, settle } from "./run.ts";
import type { Attempt } from "../core/types.ts";

const attempt = (outcome: Attempt["outcome"], outbound: "external" | "dialback" | "none" = "none"): Attempt => ({
  outcome,
  domains: { initiator: "c1-a.example", receiver: "c1-b.example" },
  durationMs: 1,
  probe:
    outcome === "error"
      ? undefined
      : {
          message: { status: outcome === "federates" ? "delivered" : "bounced", ms: 1 },
          ping: { status: "result", ms: 1 },
          auth: { outbound, inbound: outbound },
          events: [],
          logs: [],
        },
});

describe("settle: the re-run of an unexpected cell", () => {
  test("two runs that agree keep their outcome", () => {
    expect(settle(attempt("fails"), attempt("fails"))).toBe("fails");
    expect(settle(attempt("federates", "dialback"), attempt("federates", "dialback"))).toBe("federates");
  });
  test("outcomes that differ are flaky, never silently passed", () => {
    expect(settle(attempt("fails"), attempt("federates", "external"))).toBe("flaky");
    expect(settle(attempt("federates", "external"), attempt("error"))).toBe("flaky");
  });
  test("a first attempt that decided nothing leaves the verdict to the second", () => {
    // The harness's own login failed: nothing about federation was measured.
    expect(settle({ ...attempt("error"), error: "c2s login to c1-b.example failed: timeout" }, attempt("federates", "external"))).toBe("federates");
    // A server died under it (runner/stages.ts: an interrupted error).
    expect(settle({ ...attempt("error"), error: "prosody@13.0.7#1 was killed (SIGKILL, exit code 137) while the cell ran", interrupted: true }, attempt("fails"))).toBe("fails");
    // The reply timed out and no server logged a refusal.
    const silent: Attempt = { ...attempt("federates", "external"), outcome: "one-way" };
    silent.probe = { ...silent.probe!, ping: { status: "timeout", ms: 15_000 } };
    expect(settle(silent, attempt("federates", "external"))).toBe("federates");
    // A refused reply (an error, or the receiver's logged broken path) is a verdict: the runs disagree.
    const refused: Attempt = { ...silent, probe: { ...silent.probe!, ping: { status: "error", condition: "remote-server-not-found", ms: 30 } } };
    expect(settle(refused, attempt("federates", "external"))).toBe("flaky");
    const logged: Attempt = { ...silent, probe: { ...silent.probe!, ping: { status: "timeout", text: "no reply: c1-b.example logged that its connection to c1-a.example failed", ms: 900 } } };
    expect(settle(logged, attempt("federates", "external"))).toBe("flaky");
  });
  test("the same outcome by another auth method is flaky too", () => {
    expect(settle(attempt("federates", "external"), attempt("federates", "dialback"))).toBe("flaky");
  });
});

describe("pool", () => {
  test("keeps order and never runs more than n at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await pool([5, 1, 3, 2, 4], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, x * 5));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});
