// run --resume: which cells run again, and which results files are refused (exit 2).
import { describe, expect, it } from "vitest";
import { HARNESS_VERSION } from "./docker/labels.ts";
import { incompleteResults } from "./matrix.ts";
import { CELLS } from "./report/fixtures.ts";
import { checkResumable, resumeSelection } from "./resume.ts";
import type { CellResult, CellSpec, RunResults } from "../core/types.ts";

const done = [CELLS.external, CELLS.failsLong];
const rest = [CELLS.dialback.spec, CELLS.error.spec];
const whole: CellSpec[] = [CELLS.external.spec, CELLS.dialback.spec, CELLS.failsLong.spec, CELLS.error.spec];
const run = { scenarios: ["smoke"], cells: whole, isolation: "vhost" };

function earlier(cells: CellResult[] = done, over: Partial<RunResults> = {}): RunResults {
  const header = { runId: "r1", scenarios: ["smoke"], isolation: "vhost" as const, started: new Date("2025-11-25T18:00:00Z") };
  return { ...incompleteResults(header, whole, whole, cells, { reason: "x", exitCode: 3 }), ...over };
}

describe("resumeSelection", () => {
  it("keeps the finished cells and runs the others, in the run's order", () => {
    const { kept, toRun } = resumeSelection(whole, earlier());
    expect(kept.map((c) => c.spec.id)).toEqual([CELLS.external.spec.id, CELLS.failsLong.spec.id]);
    expect(toRun).toEqual(rest);
  });

  it("runs again a cell whose deciding attempt a server's death interrupted", () => {
    const cut: CellResult = { ...CELLS.failsLong, outcome: "error", attempts: [{ outcome: "error", error: "prosody@13.0.7#1 was killed", interrupted: true, domains: { initiator: "a", receiver: "b" }, durationMs: 1 }] };
    const { toRun } = resumeSelection(whole, earlier([CELLS.external, cut]));
    expect(toRun.map((c) => c.id)).toEqual([CELLS.dialback.spec.id, CELLS.failsLong.spec.id, CELLS.error.spec.id]);
  });

  it("matches a cell by scenario too: the same pair in another scenario is another cell", () => {
    const other = { ...CELLS.external, spec: { ...CELLS.external.spec, scenario: "other" } };
    const { toRun } = resumeSelection(whole, earlier([other, CELLS.failsLong]));
    expect(toRun.map((c) => c.id)).toContain(CELLS.external.spec.id);
  });
});

describe("checkResumable refuses (exit 2)", () => {
  const refusal = (r: RunResults, r2 = run) => {
    try {
      checkResumable("old/results.json", r, r2);
    } catch (e) {
      return { code: (e as { exitCode?: number }).exitCode, message: (e as Error).message };
    }
    return undefined;
  };

  it("accepts the incomplete results of the same run", () => {
    expect(refusal(earlier(done, { harnessVersion: HARNESS_VERSION }))).toBeUndefined();
  });

  it("another harness version", () => {
    const r = refusal(earlier(done, { harnessVersion: "0.0.1" }));
    expect(r).toMatchObject({ code: 2 });
    expect(r!.message).toMatch(/^--resume old\/results\.json: the results are of different harness versions \(old\/results\.json: 0\.0\.1; this run: .+\); resume with the s2s-matrix version/);
  });

  it("another scenario", () => {
    const r = refusal(earlier(done, { harnessVersion: HARNESS_VERSION, scenarios: ["Let's Encrypt 2026"] }));
    expect(r).toMatchObject({ code: 2 });
    expect(r!.message).toMatch(/different scenarios/);
  });

  it("the same scenario name with other cells (a changed file, --only, --servers)", () => {
    const r = refusal(earlier(done, { harnessVersion: HARNESS_VERSION }), { ...run, cells: whole.slice(0, 3) });
    expect(r).toMatchObject({ code: 2 });
    expect(r!.message).toMatch(/different cell sets/);
  });

  it("another isolation mode", () => {
    expect(refusal(earlier(done, { harnessVersion: HARNESS_VERSION }), { ...run, isolation: "container" })?.message).toMatch(/different isolation modes/);
  });

  it("a complete run: nothing to resume", () => {
    const complete = earlier(done, { harnessVersion: HARNESS_VERSION });
    delete complete.incomplete;
    // A complete run's digest is its cells' own.
    const r = refusal(complete, { ...run, cells: done.map((c) => c.spec) });
    expect(r?.message).toMatch(/that run is complete \(all 2 cells finished\); nothing to resume/);
  });
});
