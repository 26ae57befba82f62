// What changed between consecutive runs of one scenario set: versions added and removed,
// a family's version replaced ("ejabberd 26.07 → 26.10: no change"), cells whose result moved.
import type { CellResult } from "../../core/types.ts";
import { familyAndVersion } from "../../core/server-id.ts";
import { versionName, versionOf, type Series, type SiteRun } from "./model.ts";

export interface Change {
  kind: "added" | "removed" | "replaced" | "changed" | "none" | "first";
  text: string;
  /** Cells whose result moved: `prosody 13.0.7 → ejabberd 26.07 [server-only, dialback off]: fails → federates (external)`. */
  cells?: string[];
}

export interface HistoryStep {
  series: string;
  from?: { runId: string; startedAt: string };
  to: { runId: string; startedAt: string };
  changes: Change[];
}

const stamp = (r: SiteRun) => ({ runId: r.results.runId, startedAt: r.results.startedAt });
const versions = (r: SiteRun): string[] => [...new Set(r.results.cells.flatMap((c) => [versionOf(c.spec.initiator), versionOf(c.spec.receiver)]))];

/** A cell's place with its versions renamed (an old version stands in for its replacement). */
function place(c: CellResult, rename: (v: string) => string): string {
  const { initiator: i, receiver: r } = c.spec;
  return [c.spec.scenario, rename(versionOf(i)), rename(versionOf(r)), i.certificate, r.certificate, i.dialback, r.dialback].join("\n");
}

const result = (c: CellResult): string => (c.outcome === "federates" || c.outcome === "one-way" ? `${c.outcome} (${c.auth.outbound})` : c.outcome);

const where = (c: CellResult): string => {
  const { initiator: i, receiver: r } = c.spec;
  return `${versionName(versionOf(i))} → ${versionName(versionOf(r))} [${c.spec.id.replace(/^.*\[/, "")}`;
};

export function diffRuns(older: SiteRun, newer: SiteRun): Change[] {
  const [before, after] = [versions(older), versions(newer)];
  const added = after.filter((v) => !before.includes(v));
  const removed = before.filter((v) => !after.includes(v));
  // A family with exactly one version gone and one come: the new one replaced the old.
  const replaced = new Map<string, string>();
  for (const v of added) {
    const family = familyAndVersion(v).family;
    const gone = removed.filter((r) => familyAndVersion(r).family === family);
    const come = added.filter((a) => familyAndVersion(a).family === family);
    if (gone.length === 1 && come.length === 1) replaced.set(v, gone[0]!);
  }
  const rename = (v: string) => replaced.get(v) ?? v;
  const old = new Map(older.results.cells.map((c) => [place(c, (v) => v), c]));
  const moved = new Map<string, string[]>(); // replacement version or "" → cells
  for (const c of newer.results.cells) {
    const was = old.get(place(c, rename));
    if (!was || result(was) === result(c)) continue;
    const by = [versionOf(c.spec.initiator), versionOf(c.spec.receiver)].find((v) => replaced.has(v)) ?? "";
    moved.set(by, [...(moved.get(by) ?? []), `${where(c)}: ${result(was)} → ${result(c)}`]);
  }
  const changes: Change[] = [];
  for (const [v, was] of replaced) {
    const cells = moved.get(v) ?? [];
    const text = `${versionName(was)} → ${familyAndVersion(v).version}: ${cells.length ? `${cells.length} ${cells.length === 1 ? "cell" : "cells"} changed` : "no change"}`;
    changes.push({ kind: "replaced", text, ...(cells.length ? { cells } : {}) });
  }
  for (const v of added.filter((a) => !replaced.has(a))) changes.push({ kind: "added", text: `${versionName(v)} added` });
  const replacedOld = new Set(replaced.values());
  for (const v of removed.filter((r) => !replacedOld.has(r))) changes.push({ kind: "removed", text: `${versionName(v)} removed` });
  const same = moved.get("") ?? [];
  if (same.length) changes.push({ kind: "changed", text: `${same.length} ${same.length === 1 ? "cell" : "cells"} of unchanged versions changed`, cells: same });
  if (!changes.length) changes.push({ kind: "none", text: "no change" });
  return changes;
}

/** Every series' steps, newest first. */
export function history(series: Series[]): HistoryStep[] {
  const steps: HistoryStep[] = [];
  for (const s of series) {
    s.runs.forEach((r, i) => {
      if (i === 0) {
        const vs = versions(r);
        steps.push({ series: s.key, to: stamp(r), changes: [{ kind: "first", text: `first run: ${vs.length} versions (${vs.map(versionName).join(", ")})` }] });
      } else {
        steps.push({ series: s.key, from: stamp(s.runs[i - 1]!), to: stamp(r), changes: diffRuns(s.runs[i - 1]!, r) });
      }
    });
  }
  return steps.sort((a, b) => b.to.startedAt.localeCompare(a.to.startedAt));
}
