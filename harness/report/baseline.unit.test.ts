import { describe, expect, it } from "vitest";
import type { CellResult, Outcome } from "../types.ts";
import { compareBaseline, renderBaselineMarkdown } from "./baseline.ts";
import { CELLS, sampleResults } from "./fixtures.ts";

const as = (c: CellResult, outcome: Outcome, extra: Partial<CellResult> = {}): CellResult => ({ ...c, outcome, ...extra });

describe("compareBaseline", () => {
  const baseline = sampleResults([CELLS.external, CELLS.dialback, CELLS.failsLong, CELLS.asymmetric, CELLS.flaky, CELLS.unexpected]);
  const current = sampleResults([
    as(CELLS.external, "fails", { reason: "certificate expired" }), // federates → fails
    as(CELLS.dialback, "error", { error: "docker went away" }), // federates → error
    as(CELLS.failsLong, "federates"), // fails → federates
    CELLS.asymmetric, // fails → fails
    as(CELLS.flaky, "fails"), // flaky → fails: neither
    CELLS.tolerated, // new
  ]);
  const cmp = compareBaseline(current, baseline);

  it("flags cells that federated before and now fail or error as regressions", () => {
    expect(cmp.regressions.map((c) => [c.id, c.before, c.after])).toEqual([
      [CELLS.external.spec.id, "federates", "fails"],
      [CELLS.dialback.spec.id, "federates", "error"],
    ]);
    expect(cmp.regressions[0].afterText).toBe("fails (certificate expired)");
    expect(cmp.regressions[0].beforeText).toBe("federates (external)");
  });

  it("flags fails → federates as improvements", () => {
    expect(cmp.improvements.map((c) => [c.id, c.before, c.after])).toEqual([[CELLS.failsLong.spec.id, "fails", "federates"]]);
  });

  it("lists cells only in the baseline and cells only in this run", () => {
    expect(cmp.missing).toEqual([CELLS.unexpected.spec.id]);
    expect(cmp.added).toEqual([CELLS.tolerated.spec.id]);
  });

  it("finds nothing when a run is compared with itself", () => {
    expect(compareBaseline(baseline, baseline)).toEqual({ regressions: [], improvements: [], missing: [], added: [], versions: [] });
  });

  it("renders markdown sections for matrix.md", () => {
    const md = renderBaselineMarkdown(cmp, "main");
    const lines = md.split("\n");
    expect(lines[0]).toBe("## Compared with main");
    expect(lines).toContain("2 regressions · 1 improvement · 1 cell missing · 1 cell added");
    expect(md).toContain(`### 🔻 Regressions (2)\n\n- \`${CELLS.external.spec.id}\`: federates (external) → fails (certificate expired)\n`);
    expect(md).toContain(`### 🔺 Improvements (1)\n\n- \`${CELLS.failsLong.spec.id}\`: fails (`);
    expect(md).toContain(`### Missing from this run (1)\n\n- \`${CELLS.unexpected.spec.id}\``);
    expect(md).toContain(`### New in this run (1)\n\n- \`${CELLS.tolerated.spec.id}\``);
    expect(renderBaselineMarkdown(compareBaseline(baseline, baseline))).toContain("No changes");
  });

  it("shortens long id lists", () => {
    const many = Array.from({ length: 25 }, (_, i) => `cell ${i}`);
    const md = renderBaselineMarkdown({ regressions: [], improvements: [], missing: many, added: [], versions: [] });
    expect(md.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(21);
    expect(md).toContain("- … and 5 more");
  });
});
