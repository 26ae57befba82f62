// What "the same matrix" means for the run modes (shared virtual hosts,
// --isolation container, --capture): per cell, the outcome and the auth method
// each way. A mode may only change how fast a verdict comes, never the verdict.
import type { CellResult } from "../core/types.ts";

/** A cell's verdict as the modes must agree on it. */
export const modeVerdict = (c: CellResult): string => `${c.outcome} ${c.auth.outbound}/${c.auth.inbound}`;

/** A cell across scenarios: its scenario's name and its id. */
export const scenarioCellId = (c: { scenario: string; id: string }): string => `${c.scenario}\n${c.id}`;

/**
 * The cells on which runs of the same cells in different modes disagree, one line
 * each with every mode's verdict; a cell missing from a run counts as a difference.
 */
export function modeDifferences(runs: { mode: string; cells: CellResult[] }[]): string[] {
  const byMode = runs.map((r) => new Map(r.cells.map((c) => [scenarioCellId(c.spec), modeVerdict(c)])));
  const keys = [...new Set(runs.flatMap((r) => r.cells.map((c) => scenarioCellId(c.spec))))];
  return keys.flatMap((k) => {
    const verdicts = byMode.map((m) => m.get(k) ?? "missing");
    if (verdicts.every((v) => v === verdicts[0])) return [];
    return [`${k.split("\n")[1]}: ${runs.map((r, i) => `${r.mode} ${verdicts[i]}`).join(", ")}`];
  });
}
