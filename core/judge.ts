// Whether what a cell did meets what its scenario expected, and which parts did not:
// the run records the words (CellResult.mismatch), reports mark the parts.
import type { AuthMethod, ExpectedOutcome, Expectation, Outcome } from "./types.ts";

/** What judge() needs of a cell's result (a CellResult fits). */
export interface ActualOutcome {
  outcome: Outcome;
  auth: { outbound: AuthMethod };
  ping?: { status: "result" | "error" | "timeout" };
  reason?: string;
}

/** One part of an expectation the cell did not meet, with what it did instead. */
export type Unmet =
  /** `actual` may be error (not tolerated) or flaky: neither meets any expected outcome. */
  | { part: "outcome"; expected: ExpectedOutcome[]; actual: Outcome }
  /** `actual` undefined: no ping was made. */
  | { part: "ping"; expected: "ok" | "fails"; actual?: "ok" | "error" | "timeout" }
  | { part: "auth"; expected: "external" | "dialback"; actual: AuthMethod }
  | { part: "reason"; expected: string; actual?: string };

export interface Verdict {
  asExpected: boolean;
  /** Why not, in words (every unmet part, joined by "; "). */
  mismatch?: string;
}

/** The outcomes that meet `expected`: its `anyOf`, else its `outcome` alone. */
export const expectedOutcomes = (expected: Expectation): ExpectedOutcome[] => expected.anyOf ?? [expected.outcome];

/** `federates`, or `federates or fails` for an expectation that accepts either. */
export const outcomesText = (outcomes: readonly ExpectedOutcome[]): string => outcomes.join(" or ");

/** What the harness says of a cell it could not decide (outcome `error` with no error text of its own). */
export const UNDECIDED = "the harness could not decide";

/**
 * The parts of `expected` that `actual` does not meet, in the order outcome, ping, auth, reason.
 * - outcome: federates/one-way/fails must be the expected outcome (one of them, for `anyOf`). `error` meets it only when
 *   the scenario tolerates errors (then nothing else is judged); `flaky` never does.
 * - ping (if expected): "ok" means the ping got a result; "fails" means error or timeout.
 * - auth (if expected): equals the outbound (initiator → receiver) method.
 * - reason (if expected): case-insensitive substring of the diagnosis.
 */
export function unmetParts(expected: Expectation, actual: ActualOutcome): Unmet[] {
  if (actual.outcome === "error" || actual.outcome === "flaky") {
    return actual.outcome === "error" && expected.tolerateError ? [] : [{ part: "outcome", expected: expectedOutcomes(expected), actual: actual.outcome }];
  }
  const unmet: Unmet[] = [];
  const outcomes = expectedOutcomes(expected);
  if (!(outcomes as Outcome[]).includes(actual.outcome)) unmet.push({ part: "outcome", expected: outcomes, actual: actual.outcome });
  if (expected.ping !== undefined) {
    const status = actual.ping?.status;
    const ping = status === "result" ? "ok" : status;
    if (ping === undefined || (ping === "ok") !== (expected.ping === "ok")) unmet.push({ part: "ping", expected: expected.ping, actual: ping });
  }
  if (expected.auth !== undefined && actual.auth.outbound !== expected.auth) {
    unmet.push({ part: "auth", expected: expected.auth, actual: actual.auth.outbound });
  }
  if (expected.reason !== undefined && !(actual.reason ?? "").toLowerCase().includes(expected.reason.toLowerCase())) {
    unmet.push({ part: "reason", expected: expected.reason, actual: actual.reason });
  }
  return unmet;
}

/** One unmet part in words: `expected fails, got federates`. */
export function unmetText(u: Unmet): string {
  switch (u.part) {
    case "outcome":
      if (u.actual === "error") return `expected ${outcomesText(u.expected)}, but ${UNDECIDED} (error)`;
      if (u.actual === "flaky") return `expected ${outcomesText(u.expected)}, but the cell is flaky (runs disagreed)`;
      return `expected ${outcomesText(u.expected)}, got ${u.actual}`;
    case "ping":
      return u.actual === undefined ? `expected ping ${u.expected}, but no ping was made` : `expected ping ${u.expected}, got ping ${u.actual}`;
    case "auth":
      return `expected auth ${u.expected}, got ${u.actual}`;
    case "reason":
      return `expected reason containing "${u.expected}", got ${u.actual ? `"${u.actual}"` : "no reason"}`;
  }
}

/** Whether `actual` meets `expected` (see unmetParts), and if not, why in words. */
export function judge(expected: Expectation, actual: ActualOutcome): Verdict {
  const unmet = unmetParts(expected, actual);
  return unmet.length === 0 ? { asExpected: true } : { asExpected: false, mismatch: unmet.map(unmetText).join("; ") };
}
