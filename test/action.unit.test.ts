// action.yml executed through the stand-in runner where no Docker is needed: inputs that
// would become forged step outputs are refused before anything runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Job, runSteps } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-action-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gate(inputs: Record<string, string>) {
  const job = new Job({ name: "gate", workspace: join(dir, "ws"), cacheDir: join(dir, "cache"), artifactsDir: join(dir, "artifacts"), runnerTemp: join(dir, "temp"), actions: { "me/s2s-matrix": ROOT } });
  const { results } = await runSteps(job, [{ id: "s2s", uses: "me/s2s-matrix@v1", with: { scenario: "xmpp/s.yaml", ...inputs } }]);
  return { job, step: results[0] };
}

describe("action.yml: inputs that become step outputs", () => {
  it.each([
    ["out", { out: "report\nforged-output=1" }],
    ["out", { out: "report\r" }],
    ["artifact-name", { "artifact-name": "x\nexit-code=0" }],
  ])("a line break in '%s' is refused: exit 2, one clear error, nothing else runs", async (input, inputs) => {
    const { job, step } = await gate(inputs);
    expect(step.outcome).toBe("failure");
    expect(step.outputs["exit-code"]).toBe("2");
    expect(step.outputs).not.toHaveProperty("forged-output");
    expect(step.inner!.map((s) => [s.id ?? "", s.outcome]).filter(([, o]) => o !== "skipped")).toEqual([["prepare", "failure"]]);
    expect(job.channel.annotations).toEqual([
      { level: "error", title: "s2s-matrix", message: `input '${input}' contains a line break; give it on one line (it becomes a step output)` },
      { level: "error", message: "Process completed with exit code 2." },
    ]);
  });
});
