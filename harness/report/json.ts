// results.json: the machine-readable record of a run (schema: results.schema.json).
import type { CellResult, RunResults } from "../../core/types.ts";

/** Keys sorted so two runs diff cleanly whatever order the harness built objects in; `schema` first. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a === "schema" ? -1 : b === "schema" ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

export function renderJson(results: RunResults): string {
  return `${JSON.stringify(sortKeys(results), null, 2)}\n`;
}

/** The counts of results.json's `summary`. */
export function summarize(cells: CellResult[]): RunResults["summary"] {
  return {
    total: cells.length,
    asExpected: cells.filter((c) => c.asExpected).length,
    unexpected: cells.filter((c) => !c.asExpected).length,
    errors: cells.filter((c) => c.outcome === "error").length,
    flaky: cells.filter((c) => c.outcome === "flaky").length,
    oneWay: cells.filter((c) => c.outcome === "one-way").length,
  };
}
