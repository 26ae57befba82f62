// An --out that cannot take the reports ends the run before anything starts (exit 2),
// with a Docker engine there to start things: no run id, nothing labelled.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-out-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("--out checked before the run", () => {
  it.each([
    ["a file", () => (writeFileSync(join(dir, "file"), "x"), join(dir, "file")), /is a file, not a directory/],
    ["a path under a file", () => (writeFileSync(join(dir, "file2"), "x"), join(dir, "file2", "reports")), /cannot be created \(ENOTDIR\)/],
  ])("%s: exit 2, no run started", async (_, make, why) => {
    const out = make();
    const r = await runCli(["run", "scenarios/smoke.yaml", "--out", out], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--out ${out}: `);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/: run \d{8}-/);
  }, 180_000);
});
