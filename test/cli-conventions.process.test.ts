// CLI conventions scripts rely on: a bare call prints help and exits 2, an internal
// error (a bug) exits 4, never 1 (which means "a cell differs / regressed"), and
// --json answers on stdout even when the run could not start.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "./reliability/helpers.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent.sock" };
const TIMEOUT = 60_000;
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-conventions-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent("CLI conventions", () => {
  it("bare s2s-matrix prints the help on stderr and exits 2", async () => {
    const r = await runCli([], { env: NO_DOCKER, timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Usage: s2s-matrix /m);
    for (const cmd of ["run", "cert", "servers", "clean"]) expect(r.stderr).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
  }, TIMEOUT);

  it("--help and --version exit 0 on stdout", async () => {
    const [help, version] = await Promise.all([runCli(["--help"], { timeoutMs: TIMEOUT }), runCli(["--version"], { timeoutMs: TIMEOUT })]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: s2s-matrix /m);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, TIMEOUT);

  it("an internal error exits 4 with the stack and a request to report it", async () => {
    const file = join(dir, "simulate-bug.yaml");
    writeFileSync(file, "name: x\n");
    const r = await runCli(["run", file, "--json"], { env: { ...NO_DOCKER, NODE_OPTIONS: `--import=${join(ROOT, "test/fixtures/simulate-bug.mjs")}` }, timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("internal error (a bug in s2s-matrix");
    expect(r.stderr).toMatch(/TypeError: Cannot read properties of undefined \(reading 'simulated'\)\n\s+at /);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: "s2s-matrix/summary@1", exitCode: 4, error: expect.stringContaining("simulated") });
  }, TIMEOUT);

  it("--json reports a usage error as JSON on stdout (exit 2) and an environment error as exit 3", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: x\nservers: [nosuch@1]\n");
    const [usage, env] = await Promise.all([
      runCli(["run", bad, "--json"], { env: NO_DOCKER, timeoutMs: TIMEOUT }),
      runCli(["run", join(ROOT, "scenarios/smoke.yaml"), "--json", "--out", join(dir, "r")], { env: { ...NO_DOCKER, S2S_MATRIX_INSTALL_DOCKER: "0" }, timeoutMs: TIMEOUT }),
    ]);
    expect(usage.code, usage.stderr).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ exitCode: 2, error: expect.stringContaining("bad.yaml") });
    expect(env.code, env.stderr).toBe(3);
    expect(JSON.parse(env.stdout)).toMatchObject({ exitCode: 3, error: expect.stringMatching(/Docker/i) });
  }, TIMEOUT);
});
