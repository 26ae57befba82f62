import { describe, expect, it } from "vitest";
import type { CellSide, Dialback, Expectation, ProfileName } from "../core/types.ts";
import { expectationFor } from "./expect.ts";
import { judge, unmetParts, type ActualOutcome } from "../core/judge.ts";
import { parseScenario } from "./load.ts";

const scenario = (rules: string, extra = "") =>
  parseScenario(
    `name: t
servers: [prosody@0.12.3, prosody@13.0.7, ejabberd@23.01, ejabberd@24.12, ejabberd@26.07]
certificates: {initiator: [server-only, dual-eku], receiver: [server-only, dual-eku]}
dialback: {initiator: [on, off], receiver: [on, off]}
${extra}
expect:
  default: federates
  rules:
${rules}`,
    "t.yaml",
  );

const side = (server: string, certificate: ProfileName = "server-only", dialback: Dialback = "off"): CellSide => ({ server, certificate, dialback });
const cell = (initiator: CellSide, receiver: CellSide) => ({ initiator, receiver });

describe("expectationFor", () => {
  it("uses the default when no rule matches", () => {
    const s = scenario("    - receiver: ejabberd@<25.07\n      outcome: fails\n");
    expect(expectationFor(s, cell(side("ejabberd@23.01"), side("prosody@13.0.7")))).toEqual({ outcome: "federates", source: "default" });
    expect(expectationFor(s, cell(side("prosody@13.0.7"), side("ejabberd@26.07")))).toEqual({ outcome: "federates", source: "default" });
    expect(expectationFor(s, cell(side("prosody@13.0.7"), side("ejabberd@24.12")))).toEqual({ outcome: "fails", source: "expect.rules[0]" });
  });

  it("lets the last matching rule win and replace the whole expectation", () => {
    const s = scenario(`    - receiver: ejabberd
      outcome: federates
      auth: external
      ping: ok
    - receiver: ejabberd@<25.07
      outcome: fails
      reason: unsupported certificate purpose
    - receiver: ejabberd@23.01
      initiator: prosody@0.12.3
      outcome: federates
`);
    expect(expectationFor(s, cell(side("prosody@13.0.7"), side("ejabberd@26.07")))).toEqual({
      outcome: "federates",
      auth: "external",
      ping: "ok",
      source: "expect.rules[0]",
    });
    // rules[1] overrides rules[0]: auth and ping from rules[0] are not inherited.
    expect(expectationFor(s, cell(side("prosody@13.0.7"), side("ejabberd@24.12")))).toEqual({
      outcome: "fails",
      reason: "unsupported certificate purpose",
      source: "expect.rules[1]",
    });
    // rules[2] overrides both; the reason from rules[1] is dropped.
    expect(expectationFor(s, cell(side("prosody@0.12.3"), side("ejabberd@23.01")))).toEqual({ outcome: "federates", source: "expect.rules[2]" });
    expect(expectationFor(s, cell(side("prosody@13.0.7"), side("ejabberd@23.01"))).source).toBe("expect.rules[1]");
  });

  it("matches certificate against the initiator's profile, receiver_certificate against the receiver's", () => {
    const s = scenario(`    - certificate: server-only
      outcome: fails
    - receiver_certificate: dual-eku
      initiator_certificate: dual-eku
      outcome: federates
      auth: dialback
`);
    const at = (ic: ProfileName, rc: ProfileName) => expectationFor(s, cell(side("prosody@13.0.7", ic), side("ejabberd@24.12", rc))).source;
    expect(at("server-only", "dual-eku")).toBe("expect.rules[0]");
    expect(at("server-only", "server-only")).toBe("expect.rules[0]");
    expect(at("dual-eku", "server-only")).toBe("default");
    expect(at("dual-eku", "dual-eku")).toBe("expect.rules[1]");
  });

  it('reads dialback: on as "both sides on" and off as "at least one side off"', () => {
    const s = scenario(`    - dialback: on
      outcome: federates
      auth: dialback
    - dialback: off
      outcome: fails
`);
    const at = (i: Dialback, r: Dialback) => expectationFor(s, cell(side("prosody@13.0.7", "server-only", i), side("ejabberd@24.12", "server-only", r))).source;
    expect(at("on", "on")).toBe("expect.rules[0]");
    expect(at("on", "off")).toBe("expect.rules[1]");
    expect(at("off", "on")).toBe("expect.rules[1]");
    expect(at("off", "off")).toBe("expect.rules[1]");
  });

  it("matches initiator_dialback and receiver_dialback exactly per side", () => {
    const s = scenario(`    - initiator_dialback: on
      receiver_dialback: off
      outcome: fails
`);
    const at = (i: Dialback, r: Dialback) => expectationFor(s, cell(side("prosody@13.0.7", "server-only", i), side("ejabberd@24.12", "server-only", r))).source;
    expect(at("on", "off")).toBe("expect.rules[0]");
    expect(at("on", "on")).toBe("default");
    expect(at("off", "off")).toBe("default");
    expect(at("off", "on")).toBe("default");
  });

  it("reads federates with ping: fails as one-way, its older spelling", () => {
    const c = cell(side("ejabberd@23.01"), side("prosody@13.0.7"));
    expect(expectationFor(scenario("    - outcome: federates\n      ping: fails\n"), c)).toEqual({ outcome: "one-way", ping: "fails", source: "expect.rules[0]" });
    expect(expectationFor(scenario("    - outcome: one-way\n      auth: external\n"), c)).toEqual({ outcome: "one-way", auth: "external", source: "expect.rules[0]" });
  });

  it("takes a list of outcomes as any of them, the first leading", () => {
    const c = cell(side("ejabberd@26.07"), side("prosody@13.0.7"));
    expect(expectationFor(scenario("    - outcome: [federates, fails]\n"), c)).toEqual({ outcome: "federates", anyOf: ["federates", "fails"], source: "expect.rules[0]" });
    // A later rule with one outcome replaces the whole expectation, the list included.
    expect(expectationFor(scenario("    - outcome: [federates, fails]\n    - outcome: one-way\n"), c)).toEqual({ outcome: "one-way", source: "expect.rules[1]" });
  });

  it("marks errors tolerated when the scenario says so", () => {
    const c = cell(side("prosody@13.0.7"), side("ejabberd@24.12"));
    expect(expectationFor(scenario("    - outcome: fails\n", "tolerate: [error]"), c)).toEqual({ outcome: "fails", tolerateError: true, source: "expect.rules[0]" });
    expect(expectationFor(scenario("    - outcome: fails\n"), c).tolerateError).toBeUndefined();
  });
});

describe("judge", () => {
  const exp = (e: Partial<Expectation>): Expectation => ({ outcome: "federates", source: "default", ...e });
  const act = (a: Partial<ActualOutcome>): ActualOutcome => ({ outcome: "federates", auth: { outbound: "external" }, ...a });

  it("compares the outcome", () => {
    expect(judge(exp({}), act({}))).toEqual({ asExpected: true });
    expect(judge(exp({ outcome: "fails" }), act({ outcome: "fails", auth: { outbound: "none" } }))).toEqual({ asExpected: true });
    expect(judge(exp({}), act({ outcome: "fails" }))).toEqual({ asExpected: false, mismatch: "expected federates, got fails" });
    expect(judge(exp({ outcome: "fails" }), act({}))).toEqual({ asExpected: false, mismatch: "expected fails, got federates" });
  });

  it("never lets a one-way cell meet federates, nor fails", () => {
    const oneWay = act({ outcome: "one-way", ping: { status: "timeout" } });
    expect(judge(exp({ outcome: "one-way" }), oneWay)).toEqual({ asExpected: true });
    expect(judge(exp({}), oneWay)).toEqual({ asExpected: false, mismatch: "expected federates, got one-way" });
    expect(judge(exp({ outcome: "fails" }), oneWay)).toEqual({ asExpected: false, mismatch: "expected fails, got one-way" });
    expect(judge(exp({ outcome: "one-way" }), act({}))).toEqual({ asExpected: false, mismatch: "expected one-way, got federates" });
  });

  it("accepts error only when tolerated, and never flaky", () => {
    expect(judge(exp({}), act({ outcome: "error" }))).toEqual({ asExpected: false, mismatch: "expected federates, but the harness could not decide (error)" });
    expect(judge(exp({ tolerateError: true }), act({ outcome: "error" }))).toEqual({ asExpected: true });
    expect(judge(exp({}), act({ outcome: "flaky" })).asExpected).toBe(false);
    expect(judge(exp({ tolerateError: true }), act({ outcome: "flaky" }))).toEqual({
      asExpected: false,
      mismatch: "expected federates, but the cell is flaky (runs disagreed)",
    });
  });

  it('reads ping "ok" as a result and "fails" as error or timeout', () => {
    expect(judge(exp({ ping: "ok" }), act({ ping: { status: "result" } })).asExpected).toBe(true);
    expect(judge(exp({ ping: "ok" }), act({ ping: { status: "timeout" } }))).toEqual({ asExpected: false, mismatch: "expected ping ok, got ping timeout" });
    expect(judge(exp({ ping: "fails" }), act({ ping: { status: "error" } })).asExpected).toBe(true);
    expect(judge(exp({ ping: "fails" }), act({ ping: { status: "timeout" } })).asExpected).toBe(true);
    expect(judge(exp({ ping: "fails" }), act({ ping: { status: "result" } }))).toEqual({ asExpected: false, mismatch: "expected ping fails, got ping ok" });
    expect(judge(exp({ ping: "ok" }), act({})).mismatch).toBe("expected ping ok, but no ping was made");
    expect(judge(exp({}), act({ ping: { status: "timeout" } })).asExpected).toBe(true); // no ping expectation
  });

  it("compares auth with the outbound method", () => {
    expect(judge(exp({ auth: "dialback" }), act({ auth: { outbound: "dialback" } })).asExpected).toBe(true);
    expect(judge(exp({ auth: "external" }), act({ auth: { outbound: "dialback" } }))).toEqual({ asExpected: false, mismatch: "expected auth external, got dialback" });
  });

  it("matches reason as a case-insensitive substring", () => {
    const e = exp({ outcome: "fails", reason: "unsupported certificate purpose" });
    expect(judge(e, act({ outcome: "fails", reason: "TLS: Unsupported Certificate Purpose (ejabberd)" })).asExpected).toBe(true);
    expect(judge(e, act({ outcome: "fails", reason: "certificate expired" }))).toEqual({
      asExpected: false,
      mismatch: 'expected reason containing "unsupported certificate purpose", got "certificate expired"',
    });
    expect(judge(e, act({ outcome: "fails" })).mismatch).toBe('expected reason containing "unsupported certificate purpose", got no reason');
  });

  it("meets a list of outcomes with any of them, and words the miss with all", () => {
    const either = exp({ outcome: "federates", anyOf: ["federates", "fails"] });
    expect(judge(either, act({})).asExpected).toBe(true);
    expect(judge(either, act({ outcome: "fails", auth: { outbound: "none" } })).asExpected).toBe(true);
    expect(judge(either, act({ outcome: "one-way" }))).toEqual({ asExpected: false, mismatch: "expected federates or fails, got one-way" });
    expect(judge(either, act({ outcome: "flaky" })).mismatch).toBe("expected federates or fails, but the cell is flaky (runs disagreed)");
  });

  it("lists every unmet part", () => {
    expect(judge(exp({ auth: "external", ping: "ok" }), act({ outcome: "fails", auth: { outbound: "none" }, ping: { status: "error" } })).mismatch).toBe(
      "expected federates, got fails; expected ping ok, got ping error; expected auth external, got none",
    );
  });
});

describe("unmetParts (what reports mark)", () => {
  it("names each unmet part with what the cell did instead, in judge's order", () => {
    const expected = { outcome: "federates" as const, ping: "ok" as const, auth: "external" as const, reason: "purpose", source: "default" };
    const actual: ActualOutcome = { outcome: "one-way", auth: { outbound: "dialback" }, ping: { status: "timeout" }, reason: "no reply" };
    expect(unmetParts(expected, actual)).toEqual([
      { part: "outcome", expected: ["federates"], actual: "one-way" },
      { part: "ping", expected: "ok", actual: "timeout" },
      { part: "auth", expected: "external", actual: "dialback" },
      { part: "reason", expected: "purpose", actual: "no reply" },
    ]);
    expect(unmetParts(expected, { outcome: "federates", auth: { outbound: "external" }, ping: { status: "result" }, reason: "bad certificate purpose" })).toEqual([]);
  });

  it("an error or flaky cell misses the outcome alone; a tolerated error misses nothing", () => {
    const expected = { outcome: "fails" as const, auth: "dialback" as const, source: "default" };
    expect(unmetParts(expected, { outcome: "flaky", auth: { outbound: "none" } })).toEqual([{ part: "outcome", expected: ["fails"], actual: "flaky" }]);
    expect(unmetParts({ ...expected, tolerateError: true }, { outcome: "error", auth: { outbound: "none" } })).toEqual([]);
  });
});
