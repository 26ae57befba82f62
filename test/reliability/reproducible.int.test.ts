// The same scenario, run three times on fresh containers, gives the same matrix:
// per cell the same outcome and the same outbound authentication method. Each run
// leaves no container, network or key file behind.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { newRunId } from "../../harness/docker/labels.ts";
import { prepare } from "../../harness/inputs.ts";
import { runMatrix } from "../../harness/matrix.ts";
import { keyLikeFilesInRepo, labelled, removeLabelled, ROOT } from "./helpers.ts";

const RUNS = 3;

describe("reproducibility", () => {
  let d: Dockerode;
  const runIds: string[] = [];
  let keysBefore: string[];

  beforeAll(async () => {
    d = await docker();
    keysBefore = keyLikeFilesInRepo();
  });
  afterAll(async () => {
    for (const id of runIds) await removeLabelled(d, id);
  }, 60_000);

  it(`smoke.yaml ${RUNS} times: identical (outcome, auth.outbound) per cell, nothing left behind`, async () => {
    const t0 = Date.now();
    const prepared = await prepare({ scenarioFiles: [join(ROOT, "scenarios", "smoke.yaml")] });
    expect(prepared.cells).toHaveLength(4);
    const matrices: Record<string, string>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const runId = newRunId();
      runIds.push(runId);
      const run = await runMatrix(prepared, { scenarioFiles: ["scenarios/smoke.yaml"], runId });
      matrices.push(Object.fromEntries(run.results.cells.map((c) => [c.spec.id, `${c.outcome}/${c.auth.outbound}`])));
      // The smoke scenario's own expectations hold each time, with no error or flaky cell.
      expect(run.results.summary, JSON.stringify(matrices[i], null, 1)).toMatchObject({ total: 4, asExpected: 4, errors: 0, flaky: 0 });
      expect(run.exitCode).toBe(0);
      expect(await labelled(d, runId)).toEqual({ containers: [], networks: [] });
      expect(existsSync(join(tmpdir(), `s2s-matrix-${runId}`))).toBe(false);
    }
    console.log(`${RUNS} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s:\n${JSON.stringify(matrices[0], null, 1)}`);
    expect(Object.keys(matrices[0]).sort()).toEqual(prepared.cells.map((c) => c.id).sort());
    for (let i = 1; i < RUNS; i++) expect(matrices[i], `run ${i + 1} differs from run 1`).toEqual(matrices[0]);
    // Two federate (SASL EXTERNAL into Prosody), two fail (ejabberd 23.01 refuses server-only): not a matrix of errors.
    expect(Object.values(matrices[0]).sort()).toEqual(["fails/none", "fails/none", "federates/external", "one-way/external"]);
    expect(keyLikeFilesInRepo()).toEqual(keysBefore);
  }, 240_000);
});
