// What a run that stops early reports (runMatrix's onStart snapshot), without Docker:
// the finished cells, the ones not run, why it stopped and its exit code.
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../core/errors.ts";
import type { CellResult, CellSpec, RunResults } from "../core/types.ts";
import type { Prepared } from "./inputs.ts";
import { runMatrix, type MatrixDeps, type StopReason } from "./matrix.ts";
import type { RunOptions } from "./run.ts";
import type { Scenario } from "../scenarios/model.ts";

const spec = (a: string, b: string): CellSpec => ({
  id: `${a} → ${b} [server-only, dialback on]`,
  scenario: "s",
  initiator: { server: a, certificate: "server-only", dialback: "on" },
  receiver: { server: b, certificate: "server-only", dialback: "on" },
  expected: { outcome: "federates", source: "default" },
});
const P = "prosody@0.12.3";
const E = "ejabberd@23.01";
const cells = [spec(P, P), spec(P, E), spec(E, P), spec(E, E)];
const prepared: Prepared = { scenarios: [{ name: "s", file: "s.yaml", servers: [], expect: { rules: [] } } as unknown as Scenario], cells };
const result = (s: CellSpec, outcome: CellResult["outcome"] = "federates"): CellResult =>
  ({ spec: s, outcome, asExpected: outcome === "federates", attempts: [{ outcome, domains: { initiator: "a.example", receiver: "b.example" }, durationMs: 5 }], durationMs: 5 }) as CellResult;

/**
 * A runCells that measures the first `n` cells it is given, then fails as the engine
 * going away would. As run.ts does: a cell as expected is done at once; an unexpected
 * one waits for its re-run: the first is decided by it (flaky), the second is not yet.
 */
const stopsAfter = (n: number, seen: CellSpec[][] = []): MatrixDeps["runCells"] =>
  async (o: RunOptions) => {
    seen.push(o.cells);
    o.cells.slice(0, n).forEach((c, i) => {
      const first = result(c, i === 0 ? "federates" : "fails");
      o.onCellMeasured?.(first);
      if (first.asExpected) o.onCellDone?.(first);
    });
    if (n > 2) o.onCellDone?.(result(o.cells[1], "flaky"));
    throw new EnvironmentError("the Docker engine restarted at 10:00:00; all containers of the run were lost", "run it again with --resume");
  };
const present: MatrixDeps["imagePresent"] = async () => true;
const STOP: StopReason = { reason: "the Docker engine restarted", exitCode: 3 };

describe("runMatrix: a run that stops early", () => {
  it("the snapshot holds the cells finished so far; the others are listed as not run, with the reason and exit code", async () => {
    let snapshot: ((s: StopReason) => RunResults) | undefined;
    const run = runMatrix(prepared, { scenarioFiles: ["s.yaml"], runId: "r-1", onStart: (s) => (snapshot = s) }, { imagePresent: present, runCells: stopsAfter(3) });
    await expect(run).rejects.toThrow("the Docker engine restarted at 10:00:00");
    const r = snapshot!(STOP);
    expect(r.runId).toBe("r-1");
    // Cell 2 was re-run (flaky); cell 3's re-run had not come: reported as first measured.
    expect(r.cells.map((c) => [c.spec.id, c.outcome])).toEqual([
      [`${P} → ${P} [server-only, dialback on]`, "federates"],
      [`${P} → ${E} [server-only, dialback on]`, "flaky"],
      [`${E} → ${P} [server-only, dialback on]`, "fails"],
    ]);
    expect(r.incomplete).toMatchObject({ reason: "the Docker engine restarted", exitCode: 3, finished: 3 });
    expect(r.incomplete!.notRun.map((c) => c.id)).toEqual([`${E} → ${E} [server-only, dialback on]`]);
    expect(r.summary).toEqual({ total: 3, asExpected: 1, unexpected: 2, errors: 0, flaky: 1, oneWay: 0, retried: 0 });
  });

  it("a snapshot before any cell finished: nothing finished, every cell not run", async () => {
    let snapshot: ((s: StopReason) => RunResults) | undefined;
    await runMatrix(prepared, { scenarioFiles: ["s.yaml"], onStart: (s) => (snapshot = s) }, { imagePresent: present, runCells: stopsAfter(0) }).catch(() => {});
    const r = snapshot!({ reason: "interrupted (SIGINT)", exitCode: 3 });
    expect(r.cells).toEqual([]);
    expect(r.incomplete).toMatchObject({ reason: "interrupted (SIGINT)", finished: 0 });
    expect(r.incomplete!.notRun).toHaveLength(4);
  });

  it("with --resume: the earlier run's finished cells are kept in the snapshot, only the rest are run", async () => {
    const earlier = { runId: "r-0", startedAt: "2026-12-04T09:00:00.000Z", cells: [result(cells[0]), result(cells[3])] } as RunResults;
    const seen: CellSpec[][] = [];
    let snapshot: ((s: StopReason) => RunResults) | undefined;
    await runMatrix(prepared, { scenarioFiles: ["s.yaml"], resume: earlier, onStart: (s) => (snapshot = s) }, { imagePresent: present, runCells: stopsAfter(2, seen) }).catch(() => {});
    expect(seen[0].map((c) => c.id)).toEqual([cells[1].id, cells[2].id]);
    const r = snapshot!(STOP);
    expect(r.cells.map((c) => [c.spec.id, c.outcome])).toEqual([[cells[0].id, "federates"], [cells[1].id, "federates"], [cells[2].id, "fails"], [cells[3].id, "federates"]]);
    expect(r.incomplete!.notRun).toEqual([]);
    expect(r.resumed).toEqual({ runId: "r-0", startedAt: "2026-12-04T09:00:00.000Z", cells: 2 });
  });

  it("a run that ends: exit 1 for an unexpected cell, 0 when all are as expected", async () => {
    const measures = (outcome: CellResult["outcome"]): MatrixDeps["runCells"] => async (o) => ({ results: o.cells.map((c) => result(c, outcome)), stats: { containersStarted: 0, instances: [], timings: [] } });
    expect((await runMatrix(prepared, { scenarioFiles: ["s.yaml"] }, { imagePresent: present, runCells: measures("federates") })).exitCode).toBe(0);
    const failed = await runMatrix(prepared, { scenarioFiles: ["s.yaml"] }, { imagePresent: present, runCells: measures("fails") });
    expect(failed.exitCode).toBe(1);
    expect(failed.results.incomplete).toBeUndefined();
  });
});
