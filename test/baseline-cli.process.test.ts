// `s2s-matrix baseline`, `merge --baseline` with either kind of baseline, and `merge --json`,
// from the user's side, with Docker unreachable (none of them may need it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarize } from "../harness/report/summary.ts";
import { sampleResults } from "../harness/report/fixtures.ts";
import { selectShard, stampShard } from "../harness/shard.ts";
import type { RunResults } from "../core/types.ts";
import { runCli } from "./reliability/helpers.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent.sock" };
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-baseline-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The sample run as the scenario file scenarios/sample.yaml would give it: its unexpected cell's rule at line 17.
const WHOLE: RunResults = { ...sampleResults(), sources: [{ scenario: "smoke", file: "scenarios/sample.yaml", lines: { "rules[2]": 17 } }] };

function writeShards(name: string, n: number): string[] {
  const specs = WHOLE.cells.map((c) => c.spec);
  return Array.from({ length: n }, (_, i) => {
    const sel = selectShard(specs, { index: i + 1, count: n });
    const cells = WHOLE.cells.filter((c) => sel.shard.cells.includes(c.spec));
    const file = join(dir, name, `shard-${i + 1}`, "results.json");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, JSON.stringify(stampShard({ ...WHOLE, runId: `s${i + 1}`, cells, summary: summarize(cells) }, sel)));
    return file;
  });
}

/** An earlier run in which the sample's failing cell still federated. */
function earlierRun(): { file: string; regressed: string } {
  const earlier = structuredClone(WHOLE);
  const failing = earlier.cells.find((c) => c.outcome === "fails")!;
  failing.outcome = "federates";
  failing.auth = { outbound: "external", inbound: "external" };
  const file = join(dir, "earlier-results.json");
  writeFileSync(file, JSON.stringify(earlier));
  return { file, regressed: failing.spec.id };
}

const T = { timeoutMs: 60_000 };
describe("s2s-matrix baseline, merge --baseline, merge --json (no Docker)", () => {
  it("baseline <results.json> -o writes the compact baseline; merge --baseline finds the same regression with it as with the results.json", async () => {
    const { file, regressed } = earlierRun();
    const compact = join(dir, "baseline.jsonl");
    const made = await runCli(["baseline", file, "-o", compact], { env: NO_DOCKER, ...T });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain(`baseline: 9 cells, `);
    const lines = readFileSync(compact, "utf8").trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\{"format":"s2s-matrix\/baseline@1"/);
    expect(lines.filter((l) => l.startsWith('{"cell"'))).toHaveLength(9);

    const gate = (baseline: string, out: string) => runCli(["merge", ...writeShards(out, 2), "--out", join(dir, out), "--baseline", baseline, "--json"], { env: NO_DOCKER, ...T });
    const [withResults, withCompact] = [await gate(file, "gate-results"), await gate(compact, "gate-compact")];
    for (const r of [withResults, withCompact]) expect(r.code, r.stderr).toBe(1);
    const summary = (r: { stdout: string }) => JSON.parse(r.stdout);
    expect(summary(withResults).regressions.map((x: { id: string }) => x.id)).toEqual([regressed]);
    expect(summary(withCompact).regressions).toEqual(summary(withResults).regressions);
    expect(summary(withCompact).counts).toEqual(summary(withResults).counts);
    // The merged run writes its own baseline.jsonl too, the same as one made from its results.json.
    const own = await runCli(["baseline", join(dir, "gate-compact", "results.json")], { env: NO_DOCKER, ...T });
    expect(readFileSync(join(dir, "gate-compact", "baseline.jsonl"), "utf8")).toBe(own.stdout);
  }, 120_000);

  it("merge --json prints the summary run --json prints: counts, unexpected cells with file, line and rule, the reports", async () => {
    const out = join(dir, "merged-json");
    const r = await runCli(["merge", ...writeShards("json", 3), "--out", out, "--json"], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ schema: "s2s-matrix/summary@1", exitCode: 1, counts: { total: 9, unexpected: 3, regressions: 0 } });
    const unexpected = WHOLE.cells.find((c) => c.spec.expected.source === "rules[2]")!;
    expect(s.unexpected).toContainEqual(expect.objectContaining({ id: unexpected.spec.id, file: "scenarios/sample.yaml", line: 17, rule: "rules[2]", outcome: "federates" }));
    expect(s.reports).toEqual({
      resultsJson: join(out, "results.json"),
      matrixMd: join(out, "matrix.md"),
      matrixHtml: join(out, "matrix.html"),
      junitXml: join(out, "junit.xml"),
      baselineJsonl: join(out, "baseline.jsonl"),
    });
    expect(existsSync(s.reports.baselineJsonl)).toBe(true);
  }, 90_000);

  it("a hand-broken baseline.jsonl exits 2 naming file, line, field and fix, and writes nothing", async () => {
    const { file } = earlierRun();
    const made = await runCli(["baseline", file], { env: NO_DOCKER, ...T });
    const broken = join(dir, "broken.jsonl");
    const lines = made.stdout.trimEnd().split("\n");
    const at = lines.findIndex((l) => l.startsWith('{"cell"'));
    lines[at] = lines[at].replace(/"outcome":"\w+"/, '"outcome":"works"');
    writeFileSync(broken, lines.join("\n") + "\n");
    const out = join(dir, "never");
    const r = await runCli(["merge", ...writeShards("broken", 2), "--out", out, "--baseline", broken], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--baseline ${broken}:${at + 1}: field "outcome": "works" is not one of federates, one-way, fails, error, flaky; make it again with s2s-matrix baseline`);
    expect(existsSync(out)).toBe(false);
  }, 90_000);

  it("baseline of an incomplete run exits 2 and says how to finish it", async () => {
    const file = join(dir, "incomplete.json");
    writeFileSync(file, JSON.stringify({ ...WHOLE, incomplete: { reason: "Ctrl-C", exitCode: 130, finished: 9, notRun: [WHOLE.cells[0].spec], digest: "sha256:x" } }));
    const r = await runCli(["baseline", file, "-o", join(dir, "nope.jsonl")], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("the run is incomplete (9 of 10 cells finished: Ctrl-C); finish it with s2s-matrix run … --resume");
    expect(existsSync(join(dir, "nope.jsonl"))).toBe(false);
  }, 90_000);
});
