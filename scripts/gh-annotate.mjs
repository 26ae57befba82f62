#!/usr/bin/env node
// Used by action.yml after `s2s-matrix run --json`: turns the run's summary into the
// action's outputs (unexpected, regressions, results-json, matrix-md, appended to
// $GITHUB_OUTPUT) and into one error annotation per unexpected cell and per regression,
// pointing at the scenario file and the line of the rule that set the cell's expectation.
//   node scripts/gh-annotate.mjs <summary.json> <report dir>
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

// Workflow command escaping (actions/toolkit core/command.ts).
const data = (s) => String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const prop = (s) => data(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

export function annotations(summary) {
  const at = (c) => [c.file && `file=${prop(c.file)}`, c.line && `line=${c.line}`].filter(Boolean);
  return [
    ...(summary.unexpected ?? []).map((c) =>
      `::error ${[...at(c), `title=${prop(`s2s-matrix: unexpected ${c.outcome}`)}`].join(",")}::${data(`${c.id}: ${c.mismatch ?? c.outcome}${c.rule ? ` (expectation from ${c.rule})` : ""}`)}`),
    ...(summary.regressions ?? []).map((c) =>
      `::error ${[...at(c), `title=${prop("s2s-matrix: regression")}`].join(",")}::${data(`${c.id}: was ${c.before}, now ${c.after}`)}`),
  ];
}

export function outputs(summary, outDir) {
  const file = (name) => (existsSync(join(outDir, name)) ? join(outDir, name) : "");
  return {
    unexpected: summary.counts ? String(summary.counts.unexpected) : "",
    regressions: summary.counts ? String(summary.counts.regressions) : "",
    "results-json": file("results.json"),
    "matrix-md": file("matrix.md"),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [summaryFile, outDir] = process.argv.slice(2);
  let summary = {};
  try {
    summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  } catch {
    // s2s-matrix stopped before printing a summary; its own message is in the log
  }
  for (const line of annotations(summary)) process.stdout.write(`${line}\n`);
  const out = Object.entries(outputs(summary, outDir)).map(([k, v]) => `${k}=${v}\n`).join("");
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, out);
  else process.stdout.write(out);
}
