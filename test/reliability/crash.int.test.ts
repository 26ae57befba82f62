// A server that crashes mid-run: the cell in flight on it is an error naming the
// cause (noticed by the run's watch, issue #18), the server is restarted once for
// the cells still waiting on it (they federate, with a note), and the cells between
// other servers go on and federate. Never a "fails" verdict for a pair whose server
// was not there to answer.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { newRunId } from "../../harness/docker/labels.ts";
import { runCells } from "../../harness/run.ts";
import type { StageDeps } from "../../harness/runner/stages.ts";
import { runCell } from "../../harness/runner/cell.ts";
import type { CellResult, CellSide, CellSpec } from "../../core/types.ts";
import { cellId } from "../../core/label.ts";
import { labelled, removeLabelled } from "./helpers.ts";

const P = "prosody@0.12.3";
const E = "ejabberd@23.01";
const side = (server: string, certificate: CellSide["certificate"]): CellSide => ({ server, certificate, dialback: "off" });
const cell = (from: string, to: string, certificate: CellSide["certificate"] = "dual-eku"): CellSpec => {
  const initiator = side(from, certificate);
  const receiver = side(to, certificate);
  return { id: cellId(initiator, receiver), scenario: "crash", initiator, receiver, expected: { outcome: "federates", source: "default" } };
};

// Run one at a time, each as soon as its servers are up (so not necessarily in
// this order): ejabberd's container is killed during the Prosody → ejabberd cell.
const CELLS = [cell(P, P), cell(P, E), cell(E, P), cell(E, E), cell(P, P, "server-only")];

describe("a server that crashes mid-run", () => {
  const runId = newRunId();
  let d: Dockerode;
  let results: CellResult[] = [];
  let killed: string | undefined;
  let killedAt: string | undefined;
  const order: string[] = [];

  beforeAll(async () => {
    d = await docker();
  });
  afterAll(async () => {
    await removeLabelled(d, runId);
  }, 60_000);

  /**
   * The Prosody → ejabberd cell's probe, with the receiving ejabberd killed first: the
   * cell is in flight (started on its servers) and its server is gone before the probe
   * sends anything, so no machine is fast enough for the cell to finish before the
   * crash, nor slow enough for the kill to land on another cell.
   */
  const killThenProbe: StageDeps["runCell"] = async (cell, ia, ib, ...rest) => {
    if (!killedAt && cell.spec.initiator.server === P && cell.spec.receiver.server === E) {
      killedAt = cell.spec.id;
      killed = ib.spec.key;
      await d.getContainer(ib.container.getId()).kill();
    }
    return runCell(cell, ia, ib, ...rest);
  };

  it("the cell in flight on the killed ejabberd is an error naming the cause; the cells waiting on it run on it restarted once; prosody ↔ prosody cells federate", async () => {
    const t0 = Date.now();
    const run = await runCells({
      runId,
      cells: CELLS,
      concurrency: 1,
      retryUnexpected: false,
      readyTimeoutMs: 60_000,
      timeouts: { loginMs: 8_000, messageMs: 8_000, pingMs: 4_000 },
      onCellStart: (spec) => void order.push(spec.id),
      stageDeps: { runCell: killThenProbe },
    });
    results = run.results;
    const byId = new Map(results.map((r) => [r.spec.id, r]));
    const summary = results.map((r) => `${r.spec.id}: ${r.outcome}${r.error ? ` (${r.error})` : ""}`).join("\n");
    console.log(`killed ${killed} during "${killedAt}"; ${((Date.now() - t0) / 1000).toFixed(1)} s\n${summary}`);

    expect([...order].sort()).toEqual(CELLS.map((c) => c.id).sort());
    expect(killedAt).toBe(CELLS[1].id);
    expect(killed).toMatch(/^ejabberd@23\.01/);
    expect(results).toHaveLength(CELLS.length);

    const killedFrom = order.indexOf(killedAt!);
    for (const c of CELLS) {
      const r = byId.get(c.id)!;
      if (c.initiator.server === E || c.receiver.server === E) {
        if (order.indexOf(c.id) < killedFrom) {
          // Ran before the crash: federation as usual.
          expect(r.outcome, summary).toBe("federates");
          continue;
        }
        if (c.id === killedAt) {
          // In flight when the server died: an error that names the cause, never "fails".
          expect(r.outcome, summary).toBe("error");
          expect(r.error, summary).toMatch(new RegExp(`^${killed!.replace(/[.#]/g, "\\$&")} was killed \\(SIGKILL, exit code 137\\) at \\d\\d:\\d\\d:\\d\\d while the cell ran$`));
          expect(r.attempts[0].interrupted).toBe(true);
          expect(r.asExpected).toBe(false);
          continue;
        }
        // Waiting on it: run on the server restarted once, with a note saying so.
        expect(r.outcome, summary).toBe("federates");
        expect(r.notes?.join(" "), summary).toMatch(new RegExp(`^ran on ${killed!.replace(/[.#]/g, "\\$&")} restarted after: .* was killed`));
      } else {
        // Between the servers still up, before and after the crash: federation as usual.
        expect(r.outcome, summary).toBe("federates");
        expect(r.auth.outbound, summary).toBe("external");
        expect(r.asExpected).toBe(true);
      }
    }
    // The crash landed while a cell needing ejabberd was in flight.
    expect(results.filter((r) => r.outcome === "error").length, summary).toBe(1);
    // And the run left nothing behind, the dead container included.
    expect(await labelled(d, runId)).toEqual({ containers: [], networks: [] });
  }, 300_000);
});
