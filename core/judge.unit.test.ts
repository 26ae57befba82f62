// The judge: which parts of an expectation a cell met, and the words for the others.
// Expected texts are written out here, not built from the judge's own helpers.
import { describe, expect, it } from "vitest";
import { judge, unmetParts, type ActualOutcome } from "./judge.ts";
import type { Expectation } from "./types.ts";

const expectFederates: Expectation = { outcome: "federates", source: "default" };
const did = (outcome: ActualOutcome["outcome"], more: Partial<ActualOutcome> = {}): ActualOutcome => ({ outcome, auth: { outbound: "external" }, ...more });

describe("judge", () => {
  it("the expected outcome and nothing else asked: as expected", () => {
    expect(judge(expectFederates, did("federates"))).toEqual({ asExpected: true });
  });

  it("another outcome: expected X, got Y", () => {
    expect(judge(expectFederates, did("fails"))).toEqual({ asExpected: false, mismatch: "expected federates, got fails" });
  });

  it("a list of outcomes is met by any of them and named with 'or'", () => {
    const either: Expectation = { outcome: "federates", anyOf: ["federates", "fails"], source: "expect.rules[2]" };
    expect(judge(either, did("fails")).asExpected).toBe(true);
    expect(judge(either, did("one-way")).mismatch).toBe("expected federates or fails, got one-way");
  });

  it("error: undecided unless tolerated (then nothing else is judged); flaky never meets", () => {
    expect(judge(expectFederates, did("error")).mismatch).toBe("expected federates, but the harness could not decide (error)");
    expect(judge({ ...expectFederates, tolerateError: true, auth: "dialback" }, did("error"))).toEqual({ asExpected: true });
    expect(judge({ ...expectFederates, tolerateError: true }, did("flaky")).mismatch).toBe("expected federates, but the cell is flaky (runs disagreed)");
  });

  it("ping: ok is a result; fails is an error or a timeout; none made is named", () => {
    const okPing = { ...expectFederates, ping: "ok" as const };
    expect(judge(okPing, did("federates", { ping: { status: "result" } })).asExpected).toBe(true);
    expect(judge(okPing, did("federates", { ping: { status: "timeout" } })).mismatch).toBe("expected ping ok, got ping timeout");
    expect(judge(okPing, did("federates")).mismatch).toBe("expected ping ok, but no ping was made");
    const failingPing = { ...expectFederates, ping: "fails" as const };
    expect(judge(failingPing, did("federates", { ping: { status: "error" } })).asExpected).toBe(true);
    expect(judge(failingPing, did("federates", { ping: { status: "result" } })).mismatch).toBe("expected ping fails, got ping ok");
  });

  it("auth is the outbound method; reason a case-insensitive substring", () => {
    expect(judge({ ...expectFederates, auth: "dialback" }, did("federates")).mismatch).toBe("expected auth dialback, got external");
    const reason = { ...expectFederates, outcome: "fails" as const, reason: "Certificate Expired" };
    expect(judge(reason, did("fails", { reason: "TLS: certificate expired (notAfter 2020)" })).asExpected).toBe(true);
    expect(judge(reason, did("fails", { reason: "host unknown" })).mismatch).toBe('expected reason containing "Certificate Expired", got "host unknown"');
    expect(judge(reason, did("fails")).mismatch).toBe('expected reason containing "Certificate Expired", got no reason');
  });

  it("every unmet part, in the order outcome, ping, auth, reason, joined by '; '", () => {
    const all: Expectation = { outcome: "federates", ping: "ok", auth: "external", reason: "ok", source: "default" };
    const actual = did("one-way", { auth: { outbound: "dialback" }, ping: { status: "timeout" }, reason: "no reply" });
    expect(unmetParts(all, actual).map((u) => u.part)).toEqual(["outcome", "ping", "auth", "reason"]);
    expect(judge(all, actual).mismatch).toBe('expected federates, got one-way; expected ping ok, got ping timeout; expected auth external, got dialback; expected reason containing "ok", got "no reply"');
  });
});
