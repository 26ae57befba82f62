// The s2s settings in force per cell (CellResult.settings): a table in the HTML
// cell view, and a per-server summary in matrix.md when an operator's own config
// (`config:`) decided any of them.
import type { CellResult } from "../../core/types.ts";

/** Rows option → [initiator, receiver] values, options in first-seen order. */
export function settingsRows(c: CellResult): [string, string, string][] {
  if (!c.settings) return [];
  const names = [...new Set([...Object.keys(c.settings.initiator), ...Object.keys(c.settings.receiver)])];
  return names.map((n) => [n, c.settings!.initiator[n] ?? "—", c.settings!.receiver[n] ?? "—"]);
}

const FROM_CONFIG = "(your config";

/**
 * Per server: its instance-wide settings (not the per-cell dialback) when an operator's
 * config decided one of them; empty when every server ran the harness's own config.
 */
export function configuredServers(cells: CellResult[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of cells) {
    if (!c.settings) continue;
    for (const [side, s] of [[c.spec.initiator, c.settings.initiator], [c.spec.receiver, c.settings.receiver]] as const) {
      if (out.has(side.server) || !Object.values(s).some((v) => v.includes(FROM_CONFIG))) continue;
      const { dialback: _perCell, ...wide } = s;
      out.set(side.server, wide);
    }
  }
  return out;
}
