// The run's counts and the exit code they mean (0 as expected; 1 unexpected or regressed).
import { describe, expect, it } from "vitest";
import type { CellResult, RunResults } from "../../core/types.ts";
import type { BaselineComparison } from "./baseline.ts";
import { resultsExitCode, summarize } from "./summary.ts";

const cell = (outcome: CellResult["outcome"], asExpected: boolean, retried?: boolean) => ({ outcome, asExpected, ...(retried ? { retried } : {}) }) as CellResult;
const none: RunResults["summary"] = { total: 0, asExpected: 0, unexpected: 0, errors: 0, flaky: 0, oneWay: 0 };

describe("summarize and resultsExitCode", () => {
  it("counts each kind of cell", () => {
    const cells = [cell("federates", true, true), cell("fails", true), cell("one-way", false), cell("error", false), cell("flaky", false), cell("one-way", true)];
    expect(summarize(cells)).toEqual({ total: 6, asExpected: 3, unexpected: 3, errors: 1, flaky: 1, oneWay: 2, retried: 1 });
  });

  it("exit 1 for an unexpected cell or a regression, else 0", () => {
    expect(resultsExitCode({ ...none, total: 4, asExpected: 4 })).toBe(0);
    expect(resultsExitCode({ ...none, total: 4, asExpected: 3, unexpected: 1 })).toBe(1);
    const regressed = { regressions: [{}] } as BaselineComparison;
    expect(resultsExitCode({ ...none, total: 4, asExpected: 4 }, regressed)).toBe(1);
    expect(resultsExitCode({ ...none, total: 4, asExpected: 4 }, { regressions: [] } as unknown as BaselineComparison)).toBe(0);
  });
});
