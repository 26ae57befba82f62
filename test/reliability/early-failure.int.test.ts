// A failure between the run's first Docker object and its first server (here: the
// CA step) leaves nothing behind: the network and the name server are created
// inside the run's cleanup scope.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { newRunId } from "../../harness/docker/labels.ts";
import { prepare } from "../../harness/inputs.ts";
import { runCells } from "../../harness/run.ts";
import { labelled, removeLabelled } from "./helpers.ts";

// The CA step fails, after a moment: by then the run's network exists and its name server is starting.
vi.mock("../../ca/index.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../ca/index.ts")>()),
  createCa: async () => {
    await new Promise((r) => setTimeout(r, 300));
    throw new Error("injected CA failure");
  },
}));

describe("a failure in the CA step", () => {
  const runId = newRunId();
  let d: Dockerode;
  beforeAll(async () => {
    d = await docker();
  });
  afterAll(async () => {
    await removeLabelled(d, runId);
  }, 60_000);

  it("is thrown, and no container or network of the run is left", async () => {
    const { cells } = await prepare({ scenarioFiles: ["scenarios/smoke.yaml"] });
    await expect(runCells({ runId, cells, log: () => {} })).rejects.toThrow(/injected CA failure/);
    expect(await labelled(d, runId)).toEqual({ containers: [], networks: [] });
  });
});
