import { describe, expect, it } from "vitest";
import { cellId } from "../../core/label.ts";
import type { CellResult, CellSpec, Outcome, RunResults } from "../../core/types.ts";
import { baselineMismatch, cellKey, compareBaseline, renderBaselineMarkdown } from "./baseline.ts";
import { CELLS, makeCell, sampleResults } from "./fixtures.ts";

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

  it("ranks one-way between federates and fails", () => {
    const ids = (before: Outcome[], after: Outcome[]) => {
      const cells = [CELLS.external, CELLS.dialback, CELLS.failsLong, CELLS.asymmetric];
      const cmp = compareBaseline(sampleResults(cells.map((c, i) => as(c, after[i]))), sampleResults(cells.map((c, i) => as(c, before[i]))));
      return { regressions: cmp.regressions.map((c) => `${c.before}→${c.after}`), improvements: cmp.improvements.map((c) => `${c.before}→${c.after}`) };
    };
    expect(ids(["federates", "one-way", "one-way", "fails"], ["one-way", "fails", "error", "one-way"])).toEqual({
      regressions: ["federates→one-way", "one-way→fails", "one-way→error"],
      improvements: ["fails→one-way"],
    });
    expect(ids(["one-way", "one-way", "flaky", "error"], ["federates", "one-way", "one-way", "one-way"])).toEqual({
      regressions: [],
      improvements: ["one-way→federates"],
    });
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

describe("a named server across a version bump", () => {
  const ours = (version: string) => ({ server: "ours", runs: `ejabberd@${version}`, certificate: "server-only" as const, dialback: "off" as const });
  const prosody = { server: "prosody@13.0.7", certificate: "server-only" as const, dialback: "off" as const };
  /** The two cells of {ours, prosody@13.0.7}, pairs: cross; ours federates as receiver only from 25.07 on. */
  const run = (version: string, installed: string, oursReceives: Outcome): RunResults => {
    const toOurs = makeCell({ i: prosody, r: ours(version), outcome: oursReceives, reason: oursReceives === "fails" ? "unsupported certificate purpose" : undefined, expected: { outcome: "federates" } });
    const fromOurs = makeCell({ i: ours(version), r: prosody, outcome: "federates", auth: "external", expected: { outcome: "federates" } });
    return sampleResults([
      { ...toOurs, installed: { initiator: "13.0.7-1", receiver: installed } },
      { ...fromOurs, installed: { initiator: installed, receiver: "13.0.7-1" } },
    ]);
  };
  const old = run("24.12", "24.12-2~bpo12+1", "fails");
  const bumped = run("26.07", "26.07-1~bpo13+1", "federates");

  it("matches each cell of ours with its own earlier result and says which version changed", () => {
    const up = compareBaseline(bumped, old);
    expect(up.missing).toEqual([]);
    expect(up.added).toEqual([]);
    expect(up.regressions).toEqual([]);
    expect(up.improvements.map((c) => [c.id, c.versions])).toEqual([["prosody@13.0.7 → ours [server-only, dialback off]", "ours: ejabberd 24.12 → 26.07"]]);
    expect(up.versions).toEqual([{ server: "ours", before: "ejabberd 24.12", after: "ejabberd 26.07" }]);

    const down = compareBaseline(old, bumped);
    expect(down.regressions.map((c) => [c.id, c.beforeText, c.afterText])).toEqual([
      ["prosody@13.0.7 → ours [server-only, dialback off]", "federates (dialback)", "fails (unsupported certificate purpose)"],
    ]);
    const md = renderBaselineMarkdown(down, "baseline");
    expect(md).toContain("Versions changed since the baseline:\n\n- ours: ejabberd 26.07 → 24.12\n");
    expect(md).toContain("- `prosody@13.0.7 → ours [server-only, dialback off]`: federates (dialback) → fails (unsupported certificate purpose) (ours: ejabberd 26.07 → 24.12)");
  });

  it("keys on the names, never on the version a name runs", () => {
    expect(cellKey(bumped.cells[0].spec)).toBe(cellKey(old.cells[0].spec));
    expect(cellKey(old.cells[0].spec)).toBe("prosody@13.0.7 → ours [server-only, dialback off]");
  });

  it("can be compared: nothing to object to", () => {
    expect(baselineMismatch(bumped.cells.map((c) => c.spec), old)).toBeUndefined();
  });

  describe("a baseline this run cannot be compared with is an input error that says how to name servers", () => {
    const unnamed = (version: string): CellSpec[] =>
      run(version, version, "fails").cells.map((c) => {
        const strip = (s: CellSpec["initiator"]) => (s.runs ? { server: s.runs, certificate: s.certificate, dialback: s.dialback } : s);
        const initiator = strip(c.spec.initiator);
        const receiver = strip(c.spec.receiver);
        return { ...c.spec, initiator, receiver, id: cellId(initiator, receiver) };
      });
    const asResults = (specs: CellSpec[]) => sampleResults(specs.map((spec) => ({ ...CELLS.external, spec })));

    it("most baseline cells without a partner: an unnamed server bumped", () => {
      const why = baselineMismatch(unnamed("26.07"), asResults(unnamed("24.12")));
      expect(why).toMatch(/^2 of its 2 cells find no partner in this run \(cells match by their servers' names/);
      expect(why).toContain(`e.g. "prosody@13.0.7 → ejabberd@24.12 [server-only, dialback off]" is not among this run's cells`);
      expect(why).toContain("It has ejabberd@24.12 where this run has ejabberd@26.07.");
      expect(why).toContain("servers: [{name: ours, server: ejabberd@26.07}]");
      expect(why).toContain("(servers: [{name: ours, server: ejabberd@24.12}])");
    });

    it("a baseline that named the server, a run that does not: use the baseline's name", () => {
      expect(baselineMismatch(unnamed("26.07"), old)).toContain(
        "It has ours (ejabberd@24.12) where this run has ejabberd@26.07. The baseline calls that server ours: give it the same name here, servers: [{name: ours, server: ejabberd@26.07}].",
      );
    });

    it("a baseline made before the server was named", () => {
      expect(baselineMismatch(bumped.cells.map((c) => c.spec), asResults(unnamed("24.12")))).toMatch(/^2 of its 2 cells find no partner/);
    });

    it("a few cells without a partner, but a server of the same family gone and another new: the same server bumped", () => {
      // Five servers, one of them bumped without a name: 9 of 25 cells change, not most, yet it must not pass silently.
      const servers = ["prosody@0.12.3", "prosody@13.0.7", "ejabberd@23.01", "ejabberd@24.12", "ejabberd@26.07"];
      const cells = (list: string[]): CellSpec[] =>
        list.flatMap((a) => list.map((b) => ({ ...CELLS.external.spec, initiator: { ...CELLS.external.spec.initiator, server: a }, receiver: { ...CELLS.external.spec.receiver, server: b } })));
      const bumpedList = servers.map((s) => (s === "ejabberd@24.12" ? "ejabberd@25.10" : s));
      const why = baselineMismatch(cells(bumpedList), asResults(cells(servers)));
      expect(why).toMatch(/^its ejabberd@24\.12 is not in this run, which has ejabberd@25\.10 instead: the same server bumped\? /);
      // A server added, or one removed, is no bump: the report lists the missing and added cells.
      expect(baselineMismatch(cells([...servers, "openfire@5.0.2"]), asResults(cells(servers)))).toBeUndefined();
      expect(baselineMismatch(cells(servers.slice(1)), asResults(cells(servers)))).toBeUndefined();
    });

    it("--only: only the baseline cells the run keeps count", () => {
      const all = unnamed("24.12");
      const only = ["prosody@13.0.7 →"];
      const kept = all.filter((c) => c.id.includes(only[0]!));
      expect(baselineMismatch(kept, asResults(all), only)).toBeUndefined();
    });
  });
});
