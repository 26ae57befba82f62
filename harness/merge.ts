// `s2s-matrix merge`: the results.json of every shard of one run → the results of
// that run, cell for cell what one unsharded run gives. Refuses (exit 2, naming the
// files) whatever would make the merged matrix lie: shards of different scenarios or
// harness versions, a shard given twice, a shard or a cell missing.
import { UsageError } from "../core/errors.ts";
import { summarize } from "./report/summary.ts";
import { readResults } from "./report/read-results.ts";
import type { CellResult, RunResults } from "../core/types.ts";

export interface ShardResults {
  file: string;
  results: RunResults;
}

/** Reads a results.json; a file that is not one is a usage error naming it. */
export async function readShardResults(file: string): Promise<ShardResults> {
  return { file, results: await readResults(file, { name: `merge: ${file}`, give: "the results.json of each shard run" }) };
}

const shardName = (s: ShardResults) => `${s.file} (shard ${s.results.shard!.index}/${s.results.shard!.count})`;

/** All inputs must agree on `what`; otherwise a usage error listing each file's value (also used by run --resume). */
export function same(inputs: ShardResults[], what: string, value: (r: RunResults) => string, fix: string, command = "merge"): void {
  const values = new Map<string, string[]>();
  for (const s of inputs) values.set(value(s.results), [...(values.get(value(s.results)) ?? []), s.file]);
  if (values.size > 1) {
    const list = [...values].map(([v, files]) => `${files.join(", ")}: ${v}`).join("; ");
    throw new UsageError(`${command}: the results are of different ${what} (${list}); ${fix}`);
  }
}

/** Pure: the merged run, or a UsageError saying what does not fit. */
export function mergeShards(inputs: ShardResults[], runId: string): RunResults {
  if (!inputs.length) throw new UsageError("merge: no results.json given; usage: s2s-matrix merge <results.json>... --out <dir>");
  for (const s of inputs) {
    if (!s.results.shard) {
      throw new UsageError(`merge: ${s.file} is the results of a whole run, not of a shard (it was run without --shard i/n); merge combines the results of s2s-matrix run --shard 1/n … n/n`);
    }
  }
  same(inputs, "harness versions", (r) => r.harnessVersion, "run every shard with the same s2s-matrix version");
  same(inputs, "scenarios", (r) => JSON.stringify(r.scenarios), "merge only the shards of one run");
  same(
    inputs,
    "cell sets (same scenario names, different cells: a scenario file, --only or --servers changed between shards)",
    (r) => `${r.shard!.cells} cells, ${r.shard!.digest}`,
    "run every shard from the same scenario files with the same options",
  );
  same(inputs, "isolation modes", (r) => r.isolation, "run every shard with the same --isolation");
  same(inputs, "shard counts", (r) => `${r.shard!.count} shards`, "merge the shards of one split: --shard 1/n … n/n with the same n");

  const { count, cells: total, digest } = inputs[0].results.shard!;
  const byIndex = new Map<number, ShardResults>();
  for (const s of inputs) {
    const twin = byIndex.get(s.results.shard!.index);
    if (twin) throw new UsageError(`merge: overlapping shards: ${shardName(twin)} and ${shardName(s)} are the same shard; give each shard once`);
    byIndex.set(s.results.shard!.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new UsageError(
      `merge: missing shard${missing.length === 1 ? "" : "s"} ${missing.map((i) => `${i}/${count}`).join(", ")} (given: ${inputs.map(shardName).join(", ")}); ` +
        `add the results.json of ${missing.length === 1 ? "that shard" : "those shards"}`,
    );
  }

  const at = new Map<number, { cell: CellResult; file: string }>();
  for (const s of inputs) {
    for (const cell of s.results.cells) {
      const pos = cell.shard?.position;
      if (!pos) throw new UsageError(`merge: ${s.file}: cell ${JSON.stringify(cell.spec.id)} has no shard position; it was not written by s2s-matrix run --shard`);
      const twin = at.get(pos);
      if (twin) throw new UsageError(`merge: overlapping shards: cell ${JSON.stringify(cell.spec.id)} is in both ${twin.file} and ${s.file}`);
      at.set(pos, { cell, file: s.file });
    }
  }
  if (at.size !== total) {
    throw new UsageError(
      `merge: missing cells: the shards hold ${at.size} of the run's ${total} cells (a shard dropped some: an optional server's image missing on its host?); ` +
        `re-run the shard that lacks them`,
    );
  }
  const cells = [...at.keys()].sort((a, b) => a - b).map((p) => at.get(p)!.cell);
  const shards = [...byIndex.values()];
  const start = Math.min(...shards.map((s) => Date.parse(s.results.startedAt)));
  const end = Math.max(...shards.map((s) => Date.parse(s.results.startedAt) + s.results.durationMs));
  const first = inputs[0].results;
  return {
    schema: "s2s-matrix/results@1",
    harnessVersion: first.harnessVersion,
    runId,
    scenarios: first.scenarios,
    isolation: first.isolation,
    startedAt: new Date(start).toISOString(),
    // From the first shard's start to the last one's end: the wall time, whether shards ran side by side or one after another.
    durationMs: end - start,
    cells,
    summary: summarize(cells),
    ...(first.sources ? { sources: first.sources } : {}),
    merged: {
      count,
      digest,
      shards: [...byIndex.keys()]
        .sort((a, b) => a - b)
        .map((i) => {
          const r = byIndex.get(i)!.results;
          return { index: i, runId: r.runId, startedAt: r.startedAt, durationMs: r.durationMs, cells: r.cells.length };
        }),
    },
  };
}
