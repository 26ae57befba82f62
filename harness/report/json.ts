// results.json: the machine-readable record of a run (schema: results.schema.json).
import type { RunResults } from "../../core/types.ts";

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
