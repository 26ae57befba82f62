// The action's annotations, outputs and job summary from a `run --json` summary
// (scripts/gh-annotate.mjs), within GitHub's limits: 10 error annotations per step,
// 1 MiB per step summary. Executed end to end in test/action.int.test.ts.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandChannel, parseKeyValue } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";
// @ts-expect-error: a plain .mjs script without declarations
import { annotations, cutSummary, outputs, outputText, restMarkdown } from "../scripts/gh-annotate.mjs";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-annotate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = (i: number, line: number) => ({
  id: `prosody@0.12.3 → ejabberd@23.01 [cert-${i}, dialback off]`,
  scenario: "Smoke",
  file: "xmpp/s2s, scenario.yaml",
  line,
  rule: `expect.rules[${line}]`,
  outcome: "fails",
  mismatch: `expected federates, got fails: reason ${i}`,
});
const SUMMARY = {
  schema: "s2s-matrix/summary@1",
  exitCode: 1,
  counts: { total: 9, asExpected: 4, unexpected: 4, errors: 0, flaky: 0, regressions: 1 },
  unexpected: [cell(1, 25), cell(2, 25), cell(3, 25), cell(4, 25), cell(5, 31)],
  regressions: [{ id: "ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]", scenario: "Smoke", file: "s.yaml", rule: "default", before: "federates (external)", after: "fails (100% sure)" }],
  reports: {},
};

/** What the runner makes of the lines: the annotations it would show. */
const shown = (lines: string[]) => {
  const c = new CommandChannel();
  for (const l of lines) c.line(l);
  return c.annotations;
};

describe("gh-annotate", () => {
  it("one annotation per rule, at the scenario file and the rule's line, naming how many cells and the first three", () => {
    const got = shown(annotations(SUMMARY).lines);
    expect(got).toEqual([
      {
        level: "error",
        file: "xmpp/s2s, scenario.yaml",
        line: 25,
        title: "s2s-matrix: 4 unexpected cells (expect.rules[25])",
        message: [1, 2, 3].map((i) => `prosody@0.12.3 → ejabberd@23.01 [cert-${i}, dialback off]: expected federates, got fails: reason ${i}`).join("\n") + "\n… and 1 more (job summary, results.json)",
      },
      { level: "error", file: "xmpp/s2s, scenario.yaml", line: 31, title: "s2s-matrix: 1 unexpected cell (expect.rules[31])", message: "prosody@0.12.3 → ejabberd@23.01 [cert-5, dialback off]: expected federates, got fails: reason 5" },
      { level: "error", file: "s.yaml", title: "s2s-matrix: 1 regression (default)", message: "ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]: was federates (external), now fails (100% sure)" },
    ]);
  });

  it("never more than 8 error annotations (the step's own and the runner's make 10): 7 rules, one line for the rest, the rest in the summary", () => {
    const many = { ...SUMMARY, unexpected: Array.from({ length: 30 }, (_, i) => cell(i, 100 + i)), regressions: [] };
    const { lines, rest } = annotations(many);
    const got = shown(lines);
    expect(got).toHaveLength(8);
    expect(got.slice(0, 7).map((a) => a.line)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(got[7]).toEqual({ level: "error", title: "s2s-matrix: more rules", message: "23 more rules with 23 cells not annotated (GitHub shows 10 error annotations per step); they are listed in the job summary" });
    const md = restMarkdown(rest);
    expect(md.match(/^ {2}- /gm)).toHaveLength(23);
    expect(md).toContain("reason 29");
  });

  it("untrusted text cannot break out of its annotation or of the summary's list", () => {
    const evil = { ...SUMMARY, unexpected: [{ ...cell(1, 7), id: "x\n::error title=Fake::forged", mismatch: "y\r\n::add-mask::z" }], regressions: [] };
    const got = shown(annotations(evil).lines);
    expect(got).toHaveLength(1);
    expect(got[0].message).toBe("x\n::error title=Fake::forged: y\r\n::add-mask::z");
    const md = restMarkdown(annotations({ ...evil, unexpected: Array.from({ length: 9 }, (_, i) => ({ ...evil.unexpected[0], line: i + 1 })) }).rest);
    const fake = md.split("\n").filter((l: string) => l.includes("Fake"));
    expect(fake).toHaveLength(2); // 9 rules: 7 annotated, 2 in the summary, one line each
    for (const line of fake) expect(line.startsWith("  - x ")).toBe(true);
  });

  it("none for a run that went as expected, and none (empty counts) when the run stopped before a summary", () => {
    expect(annotations({ ...SUMMARY, unexpected: [], regressions: [] }).lines).toEqual([]);
    expect(annotations({}).lines).toEqual([]);
    expect(outputs({}, dir)).toEqual({ unexpected: "", regressions: "", "results-json": "", "matrix-md": "", "report-files": "" });
  });

  it("cuts a job summary over the limit at a line end, with a note, and leaves a small one alone", () => {
    expect(cutSummary("a\nb\n", 100)).toBe("a\nb\n");
    const cut = cutSummary("line one\nline two\nline three\n", 20);
    expect(cut.startsWith("line one\nline two\n\n> **Cut here:** matrix.md is 29 bytes")).toBe(true);
  });

  it("a multi-line output goes in the name<<DELIMITER form the runner reads", () => {
    expect(parseKeyValue(outputText({ a: "1", "report-files": "x/results.json\nx/matrix.md" }))).toEqual({ a: "1", "report-files": "x/results.json\nx/matrix.md" });
  });

  it("as the action runs it: outputs appended to $GITHUB_OUTPUT (report files: those of the package's list that exist), annotations on stdout", () => {
    writeFileSync(join(dir, "summary.json"), JSON.stringify(SUMMARY));
    writeFileSync(join(dir, "results.json"), "{}");
    writeFileSync(join(dir, "matrix.md"), "");
    writeFileSync(join(dir, "probe.log"), "not a report");
    const ghOutput = join(dir, "github-output");
    writeFileSync(ghOutput, "exit-code=1\n");
    // The package's dist/ is built only for the action; a fake one gives the list of report names.
    const pkg = join(dir, "pkg");
    spawnSync("mkdir", ["-p", join(pkg, "dist/harness/report")]);
    writeFileSync(join(pkg, "dist/harness/report/write.js"), 'export const OUT_FILES = ["results.json", "matrix.md", "matrix.html"];\n');
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/gh-annotate.mjs"), join(dir, "summary.json"), dir, pkg], { encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: ghOutput } });
    expect(r.status, r.stderr).toBe(0);
    expect(shown(r.stdout.trim().split("\n"))).toHaveLength(3);
    expect(parseKeyValue(readFileSync(ghOutput, "utf8"))).toEqual({
      "exit-code": "1",
      unexpected: "4",
      regressions: "1",
      "results-json": join(dir, "results.json"),
      "matrix-md": join(dir, "matrix.md"),
      "report-files": `${join(dir, "results.json")}\n${join(dir, "matrix.md")}`,
    });
  });
});

describe("gh-no-commands.sh", () => {
  it("the runner takes no workflow command from the wrapped command's stdout or stderr, and does again after it; its exit code is kept", async () => {
    const { Job, runSteps } = await import("./action-runner/index.ts");
    const job = new Job({ name: "t", workspace: join(dir, "ws"), cacheDir: join(dir, "c"), artifactsDir: join(dir, "a"), runnerTemp: join(dir, "t") });
    const forge = `echo "::error title=Fake::out"; echo "::add-mask::secret" >&2; echo "##[error]legacy"; exit 3`;
    const { results } = await runSteps(job, [
      { id: "w", shell: "bash", run: `set +e; bash "${join(ROOT, "scripts/gh-no-commands.sh")}" bash -c '${forge}'; echo "code=$?" >> "$GITHUB_OUTPUT"; echo "::warning::after"` },
    ]);
    expect(results[0].outputs.code).toBe("3");
    expect(job.channel.annotations).toEqual([{ level: "warning", message: "after" }]);
    expect(job.channel.masks).toEqual([]);
    expect(job.log.some((l) => l.startsWith("::error title=Fake::out"))).toBe(true);
  });

  // Node gives a child's stdout as a socket, not a FIFO: read beside stderr, the wrapped
  // command's stdout raced the markers (the test above failed once that way).
  it.each([
    ["a socket (Node's pipes)", "pipe"],
    ["a file", "file"],
  ] as const)("where stdout is %s: the command's stdout goes to stderr only when the runner reads it beside stderr", (_, to) => {
    const file = join(dir, "stdout.txt");
    const fd = to === "file" ? openSync(file, "w") : "pipe";
    const r = spawnSync("bash", [join(ROOT, "scripts/gh-no-commands.sh"), "echo", "::error::forged"], { stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
    if (typeof fd === "number") closeSync(fd);
    const stdout = to === "file" ? readFileSync(file, "utf8") : r.stdout;
    expect(r.status).toBe(0);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines[0]).toMatch(/^::stop-commands::[0-9a-f]{32}$/);
    expect(lines.at(-1)).toBe(`::${lines[0].slice("::stop-commands::".length)}::`);
    if (to === "pipe") {
      expect(stdout).toBe("");
      expect(lines.slice(1, -1)).toEqual(["::error::forged"]);
    } else {
      expect(stdout).toBe("::error::forged\n");
      expect(lines).toHaveLength(2);
    }
  });
});
