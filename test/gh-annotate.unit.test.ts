// The action's annotations and outputs, from a `run --json` summary (scripts/gh-annotate.mjs).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./reliability/helpers.ts";
// @ts-expect-error: a plain .mjs script without declarations
import { annotations, outputs } from "../scripts/gh-annotate.mjs";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-annotate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUMMARY = {
  schema: "s2s-matrix/summary@1",
  exitCode: 1,
  counts: { total: 4, asExpected: 2, unexpected: 1, errors: 0, flaky: 0, regressions: 1 },
  unexpected: [
    {
      id: "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]",
      scenario: "Smoke",
      file: "xmpp/s2s, scenario.yaml",
      line: 25,
      rule: "expect.rules[1]",
      outcome: "fails",
      mismatch: "expected federates, got fails: unsupported certificate purpose",
    },
  ],
  regressions: [{ id: "ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]", scenario: "Smoke", file: "s.yaml", rule: "default", before: "federates (external)", after: "fails (100% sure)" }],
  reports: {},
};

describe("gh-annotate", () => {
  it("one error annotation per unexpected cell and regression, at the scenario file and the rule's line, escaped", () => {
    expect(annotations(SUMMARY)).toEqual([
      "::error file=xmpp/s2s%2C scenario.yaml,line=25,title=s2s-matrix%3A unexpected fails::prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]: expected federates, got fails: unsupported certificate purpose (expectation from expect.rules[1])",
      "::error file=s.yaml,title=s2s-matrix%3A regression::ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]: was federates (external), now fails (100%25 sure)",
    ]);
  });

  it("none for a run that went as expected, and none (empty counts) when the run stopped before a summary", () => {
    expect(annotations({ ...SUMMARY, unexpected: [], regressions: [] })).toEqual([]);
    expect(annotations({})).toEqual([]);
    expect(outputs({}, dir)).toEqual({ unexpected: "", regressions: "", "results-json": "", "matrix-md": "" });
  });

  it("as the action runs it: outputs appended to $GITHUB_OUTPUT, annotations on stdout", () => {
    writeFileSync(join(dir, "summary.json"), JSON.stringify(SUMMARY));
    writeFileSync(join(dir, "results.json"), "{}");
    writeFileSync(join(dir, "matrix.md"), "");
    const ghOutput = join(dir, "github-output");
    writeFileSync(ghOutput, "exit-code=1\n");
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/gh-annotate.mjs"), join(dir, "summary.json"), dir], { encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: ghOutput } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
    expect(readFileSync(ghOutput, "utf8")).toBe(`exit-code=1\nunexpected=1\nregressions=1\nresults-json=${join(dir, "results.json")}\nmatrix-md=${join(dir, "matrix.md")}\n`);
  });
});
