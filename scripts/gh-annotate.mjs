#!/usr/bin/env node
// Used by action.yml, within GitHub's limits:
//   node scripts/gh-annotate.mjs <summary.json> <report dir> <package dir>
//     after `s2s-matrix run --json`: the action's outputs (unexpected, regressions,
//     results-json, matrix-md, report-files) appended to $GITHUB_OUTPUT, and error
//     annotations on the scenario file at the rule's line, one per rule (how many cells,
//     the first few), at most MAX_ERRORS; the rules beyond go to the job summary.
//   node scripts/gh-annotate.mjs --summary <matrix.md>
//     appends matrix.md to $GITHUB_STEP_SUMMARY, cut with a note before GitHub's 1 MiB.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * GitHub shows 10 error annotations per step; the run step adds its own closing error and
 * the runner its "Process completed with exit code 1.", so this script may use 8.
 */
export const MAX_ERRORS = 8;
/** Cell ids named in one rule's annotation. */
export const FIRST_CELLS = 3;
/** GitHub refuses a step summary over 1 MiB; the cut leaves room for the note. */
export const SUMMARY_LIMIT = 1024 * 1024 - 4096;

// Workflow command escaping (actions/toolkit core/command.ts).
const data = (s) => String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const prop = (s) => data(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
/** Text from a scenario or a server inside Markdown: every punctuation character escaped, one line. */
const md = (s) => String(s).replace(/[\r\n]+/g, " ").replace(/[\\`*_{}[\]()#+\-.!|<>~&"']/g, "\\$&");

/** Unexpected cells and regressions grouped by what they point at: kind, file, rule and line. */
export function groups(summary) {
  const byKey = new Map();
  const add = (kind, c, detail) => {
    const key = JSON.stringify([kind, c.file ?? "", c.line ?? 0, c.rule ?? ""]);
    if (!byKey.has(key)) byKey.set(key, { kind, file: c.file, line: c.line, rule: c.rule, cells: [] });
    byKey.get(key).cells.push({ id: c.id, detail });
  };
  for (const c of summary.unexpected ?? []) add("unexpected", c, c.mismatch ?? c.outcome);
  for (const c of summary.regressions ?? []) add("regression", c, `was ${c.before}, now ${c.after}`);
  return [...byKey.values()];
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function describe(g) {
  const what = g.kind === "regression" ? plural(g.cells.length, "regression", "regressions") : plural(g.cells.length, "unexpected cell", "unexpected cells");
  const first = g.cells.slice(0, FIRST_CELLS).map((c) => `${c.id}: ${c.detail}`);
  const more = g.cells.length > FIRST_CELLS ? [`… and ${g.cells.length - FIRST_CELLS} more (job summary, results.json)`] : [];
  return { title: `s2s-matrix: ${what}${g.rule ? ` (${g.rule})` : ""}`, lines: [...first, ...more] };
}

/** The annotation lines (at most MAX_ERRORS) and the groups left out of them. */
export function annotations(summary) {
  const all = groups(summary);
  const shown = all.length > MAX_ERRORS ? all.slice(0, MAX_ERRORS - 1) : all;
  const rest = all.slice(shown.length);
  const lines = shown.map((g) => {
    const { title, lines: text } = describe(g);
    const at = [g.file && `file=${prop(g.file)}`, g.line && `line=${g.line}`, `title=${prop(title)}`].filter(Boolean);
    return `::error ${at.join(",")}::${data(text.join("\n"))}`;
  });
  if (rest.length > 0) {
    const cells = rest.reduce((n, g) => n + g.cells.length, 0);
    lines.push(`::error title=${prop("s2s-matrix: more rules")}::${data(`${plural(rest.length, "more rule", "more rules")} with ${plural(cells, "cell", "cells")} not annotated (GitHub shows 10 error annotations per step); they are listed in the job summary`)}`);
  }
  return { lines, rest };
}

/** Markdown for the job summary: the groups that got no annotation, every cell named. */
export function restMarkdown(rest) {
  if (rest.length === 0) return "";
  const out = ["### s2s-matrix: rules without an annotation", ""];
  for (const g of rest) {
    const { title } = describe(g);
    out.push(`- ${md(title)}${g.file ? ` at ${md(g.file)}${g.line ? `:${g.line}` : ""}` : ""}`);
    for (const c of g.cells) out.push(`  - ${md(c.id)}: ${md(c.detail)}`);
  }
  return `${out.join("\n")}\n\n`;
}

/** `text` cut at a line end so that it and the note stay under `limit` bytes. */
export function cutSummary(text, limit = SUMMARY_LIMIT) {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= limit) return text;
  const end = buf.lastIndexOf(0x0a, limit);
  const kept = buf.subarray(0, end < 0 ? 0 : end + 1).toString("utf8");
  return `${kept}\n> **Cut here:** matrix.md is ${buf.length} bytes and a job summary holds at most 1 MiB; the whole matrix is in the uploaded report (matrix.md, matrix.html).\n`;
}

/** Outputs for $GITHUB_OUTPUT; `reportFiles`: the report files of the run that exist. */
export function outputs(summary, outDir, reportNames = []) {
  const file = (name) => (existsSync(join(outDir, name)) ? join(outDir, name) : "");
  return {
    unexpected: summary.counts ? String(summary.counts.unexpected) : "",
    regressions: summary.counts ? String(summary.counts.regressions) : "",
    "results-json": file("results.json"),
    "matrix-md": file("matrix.md"),
    "report-files": reportNames.map(file).filter(Boolean).join("\n"),
  };
}

/** name=value, or the name<<DELIMITER form for a value with line breaks. */
export function outputText(values) {
  return Object.entries(values)
    .map(([k, v]) => {
      if (!/[\r\n]/.test(v)) return `${k}=${v}\n`;
      const delimiter = `S2S_${randomBytes(12).toString("hex")}`;
      return `${k}<<${delimiter}\n${v}\n${delimiter}\n`;
    })
    .join("");
}

function emit(file, text) {
  if (file) appendFileSync(file, text);
  else process.stdout.write(text);
}

async function main(argv) {
  if (argv[0] === "--summary") {
    const text = existsSync(argv[1])
      ? cutSummary(readFileSync(argv[1], "utf8"))
      : "s2s-matrix wrote no matrix.md (it stopped before reporting; see the step log).\n";
    emit(process.env.GITHUB_STEP_SUMMARY, text);
    return;
  }
  const [summaryFile, outDir, pkgDir] = argv;
  let summary = {};
  try {
    summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  } catch {
    // s2s-matrix stopped before printing a summary; its own message is in the log
  }
  // The report files' names live in one place, the package's harness/report/write.ts.
  const { OUT_FILES } = pkgDir ? await import(pathToFileURL(join(pkgDir, "dist/harness/report/write.js")).href) : { OUT_FILES: [] };
  const { lines, rest } = annotations(summary);
  for (const line of lines) process.stdout.write(`${line}\n`);
  const restText = restMarkdown(rest);
  if (restText) emit(process.env.GITHUB_STEP_SUMMARY, cutSummary(restText));
  emit(process.env.GITHUB_OUTPUT, outputText(outputs(summary, outDir, OUT_FILES)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
