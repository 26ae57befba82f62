// Writes every report of a run into one directory.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../core/errors.ts";
import type { RunResults } from "../../core/types.ts";
import { asBaseline, compareBaseline, renderBaselineMarkdown } from "./baseline.ts";
import { BASELINE_FILE, baselineOf, renderBaseline, type Baseline } from "./baseline-file.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { deriveFindings } from "./findings/derive.ts";
import { compareFindings, compareFindingsMarkdown } from "./findings/compare.ts";

/** In this order; the run's baseline (BASELINE_FILE) follows them, unless the run is incomplete. */
export const REPORT_FILES = ["results.json", "matrix.md", "matrix.html", "junit.xml"] as const;

/** Every file a complete run writes into --out: what the action uploads. */
export const OUT_FILES: readonly string[] = [...REPORT_FILES, BASELINE_FILE];

// A report goes to a new file beside its place ("wx": O_CREAT|O_EXCL, so never through
// a symlink planted in --out) that is then renamed over it: a symlink there is replaced,
// not followed, and a reader never sees half a report.
const tempBeside = (file: string) => `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;

async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = tempBeside(file);
  try {
    await writeFile(tmp, text, { encoding: "utf8", flag: "wx" });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function replaceFileSync(file: string, text: string): void {
  const tmp = tempBeside(file);
  try {
    writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Makes `dir` ready for the reports before a run starts (creating it), so that a
 * path that is a file or cannot be written ends the run at once (exit 2) instead of
 * costing its reports at the end.
 */
export async function prepareOutDir(dir: string): Promise<void> {
  const refuse = (why: string) => new UsageError(`--out ${dir}: ${why}; give a directory s2s-matrix may create or write into`);
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw refuse("is a file, not a directory");
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw refuse(`cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // Permission bits do not tell (root, read-only mounts, ACLs): write a file and remove it.
  const probe = tempBeside(join(dir, ".s2s-matrix-write-test"));
  try {
    await writeFile(probe, "", { flag: "wx" });
  } catch (e) {
    throw refuse(`cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    await rm(probe, { force: true });
  }
}

/**
 * Every report's text, by file name. A baseline adds a comparison to matrix.md. An
 * incomplete run writes no baseline.jsonl: committed, it would gate against half a run.
 */
function renderReports(run: RunResults, given?: Baseline | RunResults): Map<string, string> {
  // Derived once, from the cells as they stand (a merged or resumed run's too), for every report.
  const results: RunResults = { ...run, findings: deriveFindings(run) };
  let markdown = renderMarkdown(results);
  if (given) {
    const baseline = asBaseline(given);
    markdown += `\n${compareFindingsMarkdown(compareFindings(results, baseline), results.scenarios.length > 1).join("\n")}`;
    markdown += `\n${renderBaselineMarkdown(compareBaseline(results, baseline), baseline.label)}`;
  }
  const reports = new Map<string, string>([
    ["results.json", renderJson(results)],
    ["matrix.md", markdown],
    ["matrix.html", renderHtml(results)],
    ["junit.xml", renderJunit(results)],
  ]);
  if (!results.incomplete) reports.set(BASELINE_FILE, renderBaseline(baselineOf(results)));
  return reports;
}

/** Returns the paths written: REPORT_FILES in order, then BASELINE_FILE. A baseline adds a comparison to matrix.md. */
export async function writeReports(dir: string, results: RunResults, baseline?: Baseline | RunResults): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  const contents = [...renderReports(results, baseline)];
  await Promise.all(contents.map(([name, text]) => replaceFile(join(dir, name), text)));
  return { files: contents.map(([name]) => join(dir, name)) };
}

/**
 * The same, synchronously: for a run that is being stopped (a signal, --timeout, a
 * crash), whose process exits as soon as its handler's clean-up is done.
 */
export function writeReportsSync(dir: string, results: RunResults, baseline?: Baseline | RunResults): { files: string[] } {
  mkdirSync(dir, { recursive: true });
  const contents = [...renderReports(results, baseline)];
  for (const [name, text] of contents) replaceFileSync(join(dir, name), text);
  return { files: contents.map(([name]) => join(dir, name)) };
}
