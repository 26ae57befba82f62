import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CELLS, sampleResults } from "./fixtures.ts";
import { renderJson } from "./json.ts";
import { prepareOutDir, REPORT_FILES, writeReports, writeReportsSync } from "./write.ts";

describe("writeReports", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("creates the directory and writes the four reports and the run's baseline.jsonl", async () => {
    const base = await mkdtemp(join(tmpdir(), "s2s-report-"));
    dirs.push(base);
    const dir = join(base, "nested", "report");
    const results = sampleResults();
    const { files } = await writeReports(dir, results);
    expect(files).toEqual(["results.json", "matrix.md", "matrix.html", "junit.xml", "baseline.jsonl"].map((f) => join(dir, f)));
    // results.json is the run plus its findings (one scenario here: smoke).
    const { findings, ...run } = JSON.parse(await readFile(files[0], "utf8"));
    expect(run).toEqual(JSON.parse(renderJson(results)));
    expect(findings.map((f: { scenario: string }) => f.scenario)).toEqual(["smoke"]);
    expect(await readFile(files[1], "utf8")).toMatch(/^# s2s-matrix: /);
    expect(await readFile(files[2], "utf8")).toMatch(/^<!doctype html>/);
    expect(await readFile(files[3], "utf8")).toContain("<testsuites ");
    expect(await readFile(files[4], "utf8")).toMatch(/^\{"format":"s2s-matrix\/baseline@1"/);
    expect(await readFile(files[1], "utf8")).not.toContain("Compared with");
  });

  it("an incomplete run writes no baseline.jsonl (committed, it would gate against half a run)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-report-"));
    dirs.push(dir);
    const results = { ...sampleResults([CELLS.external]), incomplete: { reason: "Ctrl-C", exitCode: 130, finished: 1, notRun: [CELLS.dialback.spec], digest: "sha256:x" } };
    const { files } = await writeReports(dir, results);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["results.json", "matrix.md", "matrix.html", "junit.xml"]);
  });

  it("copes with a run that has no cells", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-report-"));
    dirs.push(dir);
    await writeReports(dir, sampleResults([]));
    expect(await readFile(join(dir, "matrix.md"), "utf8")).toContain("_No cells were run._");
    expect(await readFile(join(dir, "junit.xml"), "utf8")).toContain('<testsuite name="smoke" tests="0" failures="0" errors="0" skipped="0"');
  });

  it("appends the baseline comparison to matrix.md", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-report-"));
    dirs.push(dir);
    const baseline = { ...sampleResults([CELLS.external]), runId: "run_main_41" };
    const current = sampleResults([{ ...CELLS.external, outcome: "fails" as const, reason: "expired" }]);
    await writeReports(dir, current, baseline);
    const md = await readFile(join(dir, "matrix.md"), "utf8");
    expect(md).toContain("## Compared with baseline run run\\_main\\_41");
    expect(md).toContain(`- \`${CELLS.external.spec.id}\`: federates (external) → fails (expired)`);
    expect(md.indexOf("## Unexpected cells")).toBeLessThan(md.indexOf("## Compared with"));
  });
});

describe("an --out directory someone filled with symlinks", () => {
  it.each([
    ["writeReports", (dir: string) => writeReports(dir, sampleResults())],
    ["writeReportsSync", async (dir: string) => writeReportsSync(dir, sampleResults())],
    ["prepareOutDir (its write test)", (dir: string) => prepareOutDir(dir)],
  ])("%s replaces the links, never writes through them", async (_, write) => {
    const base = await mkdtemp(join(tmpdir(), "s2s-report-links-"));
    try {
      const out = join(base, "out");
      const victim = join(base, "victim.txt");
      await writeFile(victim, "precious");
      await (await import("node:fs/promises")).mkdir(out);
      for (const name of [...REPORT_FILES, `.s2s-matrix-write-test-${process.pid}`]) await symlink(victim, join(out, name));
      await write(out);
      expect(await readFile(victim, "utf8")).toBe("precious");
      if (!_.startsWith("prepare")) {
        for (const name of REPORT_FILES) expect((await lstat(join(out, name))).isFile(), name).toBe(true);
        expect((await readdir(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
