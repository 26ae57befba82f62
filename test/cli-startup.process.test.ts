// A mistake in the input, and --list, are answered before the runner loads: no Docker
// client (testcontainers, dockerode), no runner. The answer costs about 1.7 s of CPU
// from a checkout instead of 2.8 (README, "The npm package"), and needs nothing but Node. Seen through a resolve hook
// (fixtures/trace-imports.mjs) that records every module the CLI process loads.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "./reliability/helpers.ts";

const TIMEOUT = 90_000;
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the runner brings: the Docker client and the modules that run cells. */
const RUNNER = [/\/node_modules\/testcontainers\//, /\/node_modules\/dockerode\//, /\/harness\/docker\/client\.ts$/, /\/harness\/matrix\.ts$/, /\/harness\/run\.ts$/];

let n = 0;
/** The CLI's exit code and every module it resolved. */
async function traced(args: string[]): Promise<{ code: number | null; stderr: string; modules: string[] }> {
  const trace = join(dir, `trace-${++n}`);
  const r = await runCli(args, {
    env: { DOCKER_HOST: "unix:///nonexistent.sock", S2S_MATRIX_INSTALL_DOCKER: "0", S2S_TRACE_IMPORTS: trace, NODE_OPTIONS: `--import=${join(ROOT, "test/fixtures/trace-imports.mjs")}` },
    timeoutMs: TIMEOUT,
  });
  return { code: r.code, stderr: r.stderr, modules: existsSync(trace) ? readFileSync(trace, "utf8").split("\n").filter(Boolean) : [] };
}

const runnerModules = (modules: string[]) => modules.filter((m) => RUNNER.some((re) => re.test(m)));

describe.concurrent("what the CLI loads before it answers", () => {
  const cases: [string, string[], number][] = [
    ["a scenario file that does not exist", ["run", join(dir, "missing.yaml")], 2],
    ["--only matching no cell", ["run", "scenarios/smoke.yaml", "--only", "zzz"], 2],
    ["--isolation with an unknown mode", ["run", "scenarios/smoke.yaml", "--isolation", "pods"], 2],
    ["--list", ["run", "scenarios/smoke.yaml", "--list"], 0],
    ["baseline of a file that does not exist", ["baseline", join(dir, "missing.json")], 2],
  ];
  for (const [what, args, code] of cases) {
    it(`${what}: answered (exit ${code}) without loading the runner`, async () => {
      const r = await traced(args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.modules.length, "the trace recorded nothing").toBeGreaterThan(10);
      expect(runnerModules(r.modules)).toEqual([]);
    }, TIMEOUT);
  }

  // The trace sees the runner when it does load: the cases above are no empty check.
  it("a valid run loads the runner (and, with no engine, exits 3)", async () => {
    const r = await traced(["run", "scenarios/smoke.yaml", "--out", join(dir, "report")]);
    expect(r.code, r.stderr).toBe(3);
    expect(runnerModules(r.modules).length).toBeGreaterThan(0);
  }, TIMEOUT);
});
