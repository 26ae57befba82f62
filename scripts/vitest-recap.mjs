// What a vitest report says failed, in a few lines: `npm test` repeats them for the
// projects beside the integration tests (unit, process) at its very end, where a terminal
// (or a CI log's tail) shows them; their block may be printed minutes earlier.
import { stripVTControlCharacters } from "node:util";

/** From a vitest report: each failed test with its error's first line, unhandled errors, the totals. */
export function recap(report) {
  const lines = stripVTControlCharacters(report).split("\n");
  const out = [];
  const next = (i) => lines.slice(i + 1).find((l) => l.trim() !== "")?.trim() ?? "";
  lines.forEach((line, i) => {
    const l = line.trim();
    if (/^FAIL\s/.test(l)) out.push(l, `  ${next(i)}`);
    else if (/Unhandled (Error|Rejection)/.test(l) && /⎯/.test(l)) out.push(l.replace(/⎯+/g, "").trim(), `  ${next(i)}`);
    else if (/^(Test Files|Tests|Errors)\s/.test(l)) out.push(l.replace(/\s+/g, " "));
  });
  return out;
}
