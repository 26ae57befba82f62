// Two runs compared as findings: the recorded Let's Encrypt run made into a version bump
// of a named server (ejabberd 24.12 in the baseline, 26.07 now, both called `ours`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CellResult, CellSide, RunResults } from "../../../core/types.ts";
import { cellId } from "../../../core/label.ts";
import { compareFindings, compareFindingsMarkdown } from "./compare.ts";

const run: RunResults = JSON.parse(readFileSync(new URL("./fixtures/letsencrypt-2026.results.json", import.meta.url), "utf8"));

/** The run's cells with `runs` called ours and the cells of `drop` left out. */
function asOurs(runs: string, drop: string): RunResults {
  const side = (s: CellSide): CellSide => (s.server === runs ? { ...s, server: "ours", runs } : s);
  const cells = run.cells
    .filter((c) => c.spec.initiator.server !== drop && c.spec.receiver.server !== drop)
    .map((c): CellResult => {
      const [i, r] = [side(c.spec.initiator), side(c.spec.receiver)];
      return { ...c, spec: { ...c.spec, id: cellId(i, r), initiator: i, receiver: r } };
    });
  return { ...run, cells };
}

describe("findings compared with a baseline", () => {
  const baseline = asOurs("ejabberd@24.12", "ejabberd@26.07");
  const current = asOurs("ejabberd@26.07", "ejabberd@24.12");
  const cmp = compareFindings(current, baseline);

  it("name the bump and say which cells changed, by the server's name", () => {
    expect(cmp.versions).toEqual(["ours: ejabberd 24.12 → 26.07"]);
    // The server-only, dialback off cells that failed on 24.12 ("unsupported certificate
    // purpose") federate on 26.07: from the 4 Prosodys and ours itself (ejabberd 23.01's
    // replies are still refused: one-way; jabberd2 fails either way).
    expect(cmp.changes.map(({ when, before, after, cells }) => ({ when, before, after, cells }))).toEqual([
      { when: { receiver: "ours", initiatorCertificate: "server-only", dialback: "off" }, before: "fails", after: "federates", cells: 5 },
      { when: { initiator: "ours", receiver: "prosody", initiatorCertificate: "server-only", dialback: "off" }, before: "one-way", after: "federates", cells: 4 },
      // jabberd2 fails to and from every server either way: said, so the first statement is not read wider.
      { when: { initiator: "jabberd2" }, before: undefined, after: undefined, cells: 28 },
      { when: { initiator: "ejabberd@23.01", receiver: "ours", initiatorCertificate: "server-only", dialback: "off" }, before: "fails", after: "one-way", cells: 1 },
    ]);
  });

  it("read as markdown", () => {
    const md = compareFindingsMarkdown(cmp, false).join("\n");
    expect(md).toContain("Since the baseline (ours: ejabberd 24.12 → 26.07), of ");
    expect(md).toContain("- receiver ours, certificates server-only, dialback off: fails → federates — 5 cells improved");
  });

  it("say nothing changed when nothing did", () => {
    const same = compareFindings(current, current);
    expect(same.changes).toEqual([]);
    expect(compareFindingsMarkdown(same, false).join("\n")).toContain("no cell's outcome changed");
  });
});
