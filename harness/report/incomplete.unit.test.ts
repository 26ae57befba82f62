// A run that ended early: every format says it is incomplete, how many cells
// finished and were not run, and why; junit lists the cells not run as skipped.
import { describe, expect, it } from "vitest";
import { incompleteResults } from "../matrix.ts";
import { cellsDigest } from "../shard.ts";
import type { CellSpec, RunResults } from "../../core/types.ts";
import { CELLS, sampleResults } from "./fixtures.ts";
import { renderHtml } from "./html.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { resultsProblems } from "./validate.ts";

const finished = [CELLS.external, CELLS.failsLong];
const notRun: CellSpec[] = [CELLS.dialback.spec, CELLS.error.spec];
const whole = [...finished.map((c) => c.spec), ...notRun];
const REASON = "the Docker engine restarted at 23:54:40; all containers of the run were lost\n  fix: …";

function incomplete(): RunResults {
  const header = { runId: "r1", scenarios: ["smoke"], isolation: "vhost" as const, started: new Date("2025-11-25T18:00:00Z") };
  return incompleteResults(header, whole, whole, finished, { reason: REASON, exitCode: 3 });
}

describe("reports of an incomplete run", () => {
  it("results.json: finished cells, the cells not run, why, and the digest --resume checks; valid against the schema", () => {
    const r = incomplete();
    expect(r.cells.map((c) => c.spec.id)).toEqual(finished.map((c) => c.spec.id));
    expect(r.incomplete).toMatchObject({ reason: REASON, exitCode: 3, finished: 2, digest: cellsDigest(whole) });
    expect(r.incomplete!.notRun.map((c) => c.id)).toEqual(notRun.map((c) => c.id));
    expect(r.summary.total).toBe(2);
    expect(resultsProblems(JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  it("matrix.md: headline, banner with counts, cause and --resume, and the cells not run", () => {
    const md = renderMarkdown(incomplete());
    expect(md).toMatch(/^# s2s-matrix: ⚠️ incomplete: 2 of 4 cells finished/);
    expect(md).toContain("Incomplete run: 2 cells finished, 2 not run. The run stopped (exit 3) because: the Docker engine restarted at 23:54:40; all containers of the run were lost.");
    expect(md).toContain("--resume");
    for (const c of notRun) expect(md).toContain(c.id);
    // A complete run has none of it.
    expect(renderMarkdown(sampleResults(finished))).not.toMatch(/incomplete/i);
  });

  it("matrix.html: the banner and the cells not run", () => {
    const html = renderHtml(incomplete());
    expect(html).toContain("<title>s2s-matrix: ⚠️ incomplete: 2 of 4 cells finished");
    expect(html).toContain('id="incomplete"');
    expect(html).toContain("Incomplete run: 2 cells finished, 2 not run.");
    expect(renderHtml(sampleResults(finished))).not.toContain('id="incomplete"');
  });

  it("junit.xml: every cell not run is a testcase skipped with the reason; counts include them", () => {
    const xml = renderJunit(incomplete());
    for (const c of notRun) expect(xml).toContain(`name="${c.id.replace(/&/g, "&amp;")}"`);
    const skipped = xml.match(/<skipped message="not run: the run stopped early \(the Docker engine restarted at 23:54:40; all containers of the run were lost\)"\/>/g) ?? [];
    expect(skipped).toHaveLength(2);
    expect(xml).toMatch(/<testsuites name="s2s-matrix" tests="4" failures="\d+" errors="\d+" skipped="2"/);
    expect(xml).toContain('<property name="incomplete" value="2 finished, 2 not run: the Docker engine restarted at 23:54:40; all containers of the run were lost"/>');
  });
});
