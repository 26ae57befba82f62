// Expectations written from a run: the --update-expectations round trip on a copy of
// each shipped scenario (every byte outside the expect: block kept, the block read back
// by the real loader meets the run's cells, a second update changes nothing), the block's
// place in files shaped otherwise, and `s2s-matrix expect` on a recorded run.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { CellResult, RunResults } from "../core/types.ts";
import { judge } from "../core/judge.ts";
import { expandCells, expectationFor, parseScenario } from "../scenarios/index.ts";
import { expectBlockRange, replaceExpectBlock } from "../scenarios/expect-block.ts";
import { deriveFindings } from "./report/findings/derive.ts";
import { syntheticCell } from "./report/findings/test-cells.ts";
import { updateExpectations } from "./expectations.ts";
import { runCli } from "../test/reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-expectations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIOS = new URL("../scenarios/", import.meta.url);
const FIXTURES = new URL("./report/findings/fixtures/", import.meta.url);
const readRun = (name: string): RunResults => {
  const raw = readFileSync(new URL(name, FIXTURES));
  return JSON.parse((name.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
};

/** smoke.yaml has no recorded run: cells that did what its own rules say. */
function smokeRun(): RunResults {
  const s = parseScenario(readFileSync(new URL("smoke.yaml", SCENARIOS), "utf8"), "smoke.yaml");
  const cells = expandCells(s).map((spec) => syntheticCell(spec, { outcome: spec.expected.outcome, auth: spec.expected.auth, reason: spec.expected.reason }));
  return { scenarios: [s.name], cells } as RunResults;
}

const RUNS: [string, () => RunResults][] = [
  ["letsencrypt-2026.yaml", () => readRun("letsencrypt-2026.results.json")],
  ["certificate-profiles.yaml", () => readRun("certificate-profiles.results.json.gz")],
  ["smoke.yaml", smokeRun],
];

const decided = (cells: CellResult[]) => cells.filter((c) => c.outcome !== "error" && c.outcome !== "flaky");

describe("run --update-expectations on a copy of each shipped scenario", () => {
  it.each(RUNS)("%s: the block is replaced, the rest kept byte for byte, the run's cells met", async (name, run) => {
    const file = join(dir, name);
    copyFileSync(new URL(name, SCENARIOS), file);
    const before = readFileSync(file, "utf8");
    const [start, end] = expectBlockRange(before)!;
    const results = run();
    const [findings] = deriveFindings(results);
    const u = await updateExpectations(file, findings);
    const after = readFileSync(file, "utf8");
    expect(after.slice(0, start)).toBe(before.slice(0, start));
    expect(after.slice(after.length - (before.length - end))).toBe(before.slice(end));
    expect(after.slice(start)).toMatch(/^expect:\n  default: /);
    expect(u.diff).toContain(`--- ${file}`);
    expect(u.diff).toMatch(/^-    - /m);
    const scenario = parseScenario(after, name);
    const unmet = decided(results.cells).filter((c) => !judge(expectationFor(scenario, c.spec), c).asExpected);
    expect(unmet.map((c) => c.spec.id)).toEqual([]);
    // Run again on what it wrote: nothing to change.
    expect((await updateExpectations(file, findings)).diff).toBe("");
    expect(readFileSync(file, "utf8")).toBe(after);
  });
});

describe("the expect: block's place in a file", () => {
  const text = [
    "name: x # the name",
    "servers: [prosody@13.0.7, ejabberd@23.01]",
    "# Rules below: read in order.",
    "expect:",
    "  default: federates",
    "  rules:",
    "# a comment at the left margin between rules belongs to the block",
    "    - receiver: ejabberd",
    "      outcome: fails   # trailing words",
    "    # an indented comment after the last rule belongs to it",
    "",
    "# a top-level comment after it does not",
    "certificates: [server-only]",
    "dialback: [off]",
  ].join("\n");

  it("runs from the key's line to its last rule's line, indented comments after it included", () => {
    const [start, end] = expectBlockRange(text)!;
    expect(text.slice(start, end)).toBe(
      "expect:\n  default: federates\n  rules:\n# a comment at the left margin between rules belongs to the block\n    - receiver: ejabberd\n      outcome: fails   # trailing words\n    # an indented comment after the last rule belongs to it\n",
    );
  });

  it("is replaced with everything before and after kept, a file without a final newline too", () => {
    const block = "expect:\n  default: fails\n";
    expect(replaceExpectBlock(text, block)).toBe(
      "name: x # the name\nservers: [prosody@13.0.7, ejabberd@23.01]\n# Rules below: read in order.\nexpect:\n  default: fails\n\n# a top-level comment after it does not\ncertificates: [server-only]\ndialback: [off]",
    );
    expect(replaceExpectBlock("name: x\nexpect: {default: federates}", block)).toBe("name: x\nexpect:\n  default: fails");
    expect(replaceExpectBlock("name: x\n", block)).toBeUndefined();
  });
});

describe("run --update-expectations", () => {
  it("refuses --only, --shard and --servers before anything starts (exit 2): the block would describe part of the scenario", async () => {
    const r = await runCli(["run", new URL("smoke.yaml", SCENARIOS).pathname, "--update-expectations", "--only", "prosody"], { env: { DOCKER_HOST: "unix:///nonexistent.sock" }, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--update-expectations writes what the whole scenario did: leave out --only, --shard, --servers and --list");
  }, 120_000);
});

describe("s2s-matrix expect", () => {
  it("prints the block a recorded run's cells meet; a file that is no results.json exits 2 naming it", async () => {
    const ok = await runCli(["expect", new URL("letsencrypt-2026.results.json", FIXTURES).pathname], { timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^expect:\n  default: federates\n  rules:\n/);
    expect(ok.stdout).toContain("    - receiver: ejabberd@<=24.12\n      certificate: server-only\n      dialback: off\n      outcome: fails\n      reason: unsupported certificate purpose\n");
    const bad = join(dir, "not-results.json");
    writeFileSync(bad, '{"schema": "s2s-matrix/results@1"}');
    const r = await runCli(["expect", bad], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: not an s2s-matrix results.json`);
  }, 120_000);
});
