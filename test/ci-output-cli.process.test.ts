// Under GitHub Actions, text the CLI did not write itself (a scenario's name, a server's
// reason, a flag's value) cannot start a workflow command on stdout or stderr.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarize } from "../harness/report/summary.ts";
import { CELLS, sampleResults } from "../harness/report/fixtures.ts";
import { selectShard, stampShard } from "../harness/shard.ts";
import { runCli } from "./reliability/helpers.ts";

const FAKE = "\n::error title=Fake::x";
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-ci-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const commandLines = (text: string): string[] => text.split("\n").filter((l) => /^\s*(::|##\[)/.test(l));
const ENV = { DOCKER_HOST: "unix:///nonexistent.sock", GITHUB_ACTIONS: "true" };

/** Shard results whose scenario name, reasons and mismatches carry a forged workflow command. */
function forgedShards(): string[] {
  const cells = Object.values(CELLS).map((c) => ({
    ...c,
    spec: { ...c.spec, scenario: `smoke${FAKE}` },
    ...(c.reason ? { reason: `${c.reason}${FAKE}` } : {}),
    ...(c.mismatch ? { mismatch: `${c.mismatch}${FAKE}\r::warning::y` } : {}),
  }));
  const whole = { ...sampleResults(cells), scenarios: [`smoke${FAKE}`] };
  const specs = whole.cells.map((c) => c.spec);
  return [1, 2].map((i) => {
    const sel = selectShard(specs, { index: i, count: 2 });
    const mine = whole.cells.filter((c) => sel.shard.cells.includes(c.spec));
    const file = join(dir, `shard-${i}`, "results.json");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, JSON.stringify(stampShard({ ...whole, runId: `s${i}`, cells: mine, summary: summarize(mine) }, sel)));
    return file;
  });
}

describe("GITHUB_ACTIONS=true: no output line is a workflow command the CLI did not mean", () => {
  it("merge: unexpected cells whose reason and mismatch carry \\n::error… print it defused", async () => {
    const r = await runCli(["merge", ...forgedShards(), "--out", join(dir, "merged"), "--json"], { env: ENV, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(":\u200b:error title=Fake::x");
    expect(commandLines(r.stderr)).toEqual([]);
    expect(commandLines(r.stdout)).toEqual([]);
    expect(r.stderr).not.toContain("\r");
  }, 90_000);

  it("a usage error echoing a flag's value prints it defused", async () => {
    const r = await runCli(["run", "scenarios/smoke.yaml", `--bogus${FAKE}`], { env: ENV, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(":\u200b:error title=Fake::x");
    expect(commandLines(r.stderr)).toEqual([]);
  }, 90_000);
});
