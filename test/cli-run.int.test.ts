// The CLI from the user's side on real servers: the four reports, exit 1 naming
// a cell whose expectation is wrong, and exit 1 naming a regression against a baseline.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ROOT, runCli } from "./reliability/helpers.ts";
import type { RunResults } from "../core/types.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-cli-"));
const CELL = "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]";
const only = ["--only", "prosody@0.12.3 → ejabberd@23.01", "--no-retry"];

describe("s2s-matrix run", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("writes results.json, matrix.md, matrix.html, junit.xml and exits 0 when every cell is as expected", async () => {
    const r = await runCli(["run", join(ROOT, "scenarios/smoke.yaml"), "--out", join(dir, "ok"), ...only], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["results.json", "matrix.md", "matrix.html", "junit.xml"]) expect(existsSync(join(dir, "ok", f)), f).toBe(true);
    const results: RunResults = JSON.parse(readFileSync(join(dir, "ok", "results.json"), "utf8"));
    expect(results.cells.map((c) => [c.spec.id, c.outcome])).toEqual([[CELL, "fails"]]);
    expect(readFileSync(join(dir, "ok", "matrix.md"), "utf8")).toContain("unsupported certificate purpose");
    expect(r.stderr).toMatch(/\[1\/1\] ❌ /);
  }, 320_000);

  test("a wrong expectation exits 1 and names the cell", async () => {
    const wrong = readFileSync(join(ROOT, "scenarios/smoke.yaml"), "utf8").replace(/outcome: fails/, "outcome: federates");
    writeFileSync(join(dir, "wrong.yaml"), wrong);
    const r = await runCli(["run", join(dir, "wrong.yaml"), "--out", join(dir, "wrong"), "--json", ...only], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`unexpected: ${CELL}: expected federates, got fails`);
    // --json: the summary on stdout names the cell, the scenario file and the deciding rule's line.
    const ruleLine = wrong.split("\n").findIndex((l) => l.includes("- receiver: ejabberd@<25.07")) + 1;
    expect(JSON.parse(r.stdout)).toMatchObject({
      exitCode: 1,
      counts: { total: 1, unexpected: 1, regressions: 0 },
      unexpected: [{ id: CELL, file: join(dir, "wrong.yaml"), line: ruleLine, rule: "expect.rules[2]", outcome: "fails" }],
      reports: { resultsJson: join(dir, "wrong", "results.json"), matrixMd: join(dir, "wrong", "matrix.md") },
    });
  }, 320_000);

  test("a baseline in which the cell federated makes the run exit 1 naming the regression", async () => {
    const baseline: RunResults = JSON.parse(readFileSync(join(dir, "ok", "results.json"), "utf8"));
    baseline.cells[0].outcome = "federates";
    writeFileSync(join(dir, "baseline.json"), JSON.stringify(baseline));
    const r = await runCli(["run", join(ROOT, "scenarios/smoke.yaml"), "--out", join(dir, "regressed"), "--baseline", join(dir, "baseline.json"), ...only], {
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/regression/i);
    expect(r.stderr).toContain(CELL);
    expect(readFileSync(join(dir, "regressed", "matrix.md"), "utf8")).toMatch(/regression/i);
  }, 320_000);
});
