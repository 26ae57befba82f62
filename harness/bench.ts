// `npm run bench [scenario.yaml]`: the same scenario in the shared mode
// (`--isolation vhost`), the isolated mode (`--isolation container`) and the
// shared mode with the capture relay, on this machine, in one invocation.
// Prints cells, containers started, wall time, per-cell median, peak memory of
// the harness and of the containers, the ratio isolated/shared, and fails
// (exit 1) unless all three produced the identical matrix (modes.ts: outcome and
// auth both ways per cell). Every run is timed as a user's run: an unexpected
// cell runs again, and the table counts the cells whose re-run decided them.
// Writes the figures to s2s-matrix-report/bench.json.
//
// Sharding row: the scenario as 2 and 4 shards (`--shard i/n`), the shards one
// after another, against the shared run as "1 shard": containers started over
// all shards, the sum of the shard times, the largest shard's time (the wall
// time on n runners), and whether the merged matrix is the single run's.
// `npm run bench [scenario.yaml] --sharding-only` skips the isolated and capture runs.
// `--repeat N` runs the shared mode and the capture mode N times, taking turns (the
// isolated mode once: its ratio is far above the noise): the table gives each mode's
// median wall time with every run, and the ratios and the sharding row use the medians.
// Where the shared run's time went (runner/timings.ts) is printed as a phase table,
// and each shard's phases go to bench.json.
// `npm run bench -- --boots [scenario.yaml]`: each server's boot alone (bench-boots.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { benchBoots, bootsTable } from "./bench-boots.ts";
import { median, repeatArg, runOrder, runsCell, scenarioArg, wallCell } from "./bench-figures.ts";
import { docker } from "./docker/client.ts";
import { cleanupOnExit } from "./docker/cleanup.ts";
import { LABEL_RUN, newRunId } from "./docker/labels.ts";
import { prepare, type Prepared } from "./inputs.ts";
import { runMatrix } from "./matrix.ts";
import { mergeShards } from "./merge.ts";
import { modeDifferences } from "./modes.ts";
import type { Isolation } from "./plan.ts";
import { phaseTable, type Span } from "./runner/timings.ts";
import { selectShard, stampShard } from "./shard.ts";
import type { CellResult, RunResults } from "../core/types.ts";

interface Figures {
  mode: Isolation | "vhost+capture";
  cells: number;
  containersStarted: number;
  wallSeconds: number;
  perCellMedianSeconds: number;
  peakHarnessRssMiB: number;
  peakContainersMiB: number;
  asExpected: number;
  /** Cells decided only by their re-run (`retried`): a first attempt that was an error or undecided. */
  retried: number;
}

const MiB = (b: number) => Math.round(b / 2 ** 20);

type Mode = Figures["mode"];

/** Samples the harness's RSS and the summed memory of the run's containers until stopped. */
function sampleMemory(runId: string) {
  let harness = 0;
  let containers = 0;
  let stopped = false;
  const loop = (async () => {
    const d = await docker();
    while (!stopped) {
      harness = Math.max(harness, process.memoryUsage().rss);
      const list = await d.listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`] } }).catch(() => []);
      const usage = await Promise.all(
        list.map((c) =>
          d
            .getContainer(c.Id)
            .stats({ stream: false, "one-shot": true } as { stream: false })
            .then((s) => (s.memory_stats?.usage ?? 0) - ((s.memory_stats?.stats as Record<string, number> | undefined)?.inactive_file ?? 0))
            .catch(() => 0),
        ),
      );
      containers = Math.max(containers, usage.reduce((a, b) => a + b, 0));
      // Every 3 s: docker stats of a dozen containers is itself load on two cores.
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { harness, containers };
  };
}

/** What a merged matrix must share with the single run, per cell. */
const verdict = (c: CellResult) => JSON.stringify([c.spec.scenario, c.spec.id, c.outcome, c.auth.outbound, c.spec.expected]);
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface ShardFigures {
  shards: number;
  containersStarted: number;
  sumSeconds: number;
  largestSeconds: number;
  /** Largest shard's time / the single run's. */
  largestRatio: number;
  identical: boolean;
  differ: string[];
  /** Each shard's phases (runner/timings.ts), shard 1 first. */
  timings?: Span[][];
}

/** The scenario as n shards, one after another; the merge compared with the single run. */
async function shardRow(scenario: string, prepared: Prepared, n: number, single: RunResults): Promise<ShardFigures> {
  const results: RunResults[] = [];
  let containers = 0;
  const times: number[] = [];
  const timings: Span[][] = [];
  for (let i = 1; i <= n; i++) {
    const sel = selectShard(prepared.cells, { index: i, count: n });
    const runId = newRunId();
    process.stderr.write(`bench: ${scenario} as ${n} shards: shard ${i}/${n}, ${sel.shard.cells.length} cells, ${sel.shard.instances.length} containers …\n`);
    const uninstall = cleanupOnExit(runId, (s) => process.stderr.write(s + "\n"));
    const t0 = Date.now();
    const run = await runMatrix({ ...prepared, cells: sel.shard.cells }, { scenarioFiles: [scenario], runId });
    times.push(Date.now() - t0);
    uninstall();
    containers += run.stats.containersStarted;
    timings.push(run.stats.timings);
    results.push(stampShard(run.results, sel));
  }
  const merged = mergeShards(results.map((r, i) => ({ file: `shard ${i + 1}/${n}`, results: r })), newRunId());
  const want = single.cells.map(verdict);
  const got = merged.cells.map(verdict);
  const differ = want.flatMap((v, i) => (got[i] === v ? [] : [`cell ${i + 1}: single run ${v}, merged ${got[i] ?? "missing"}`]));
  const largest = Math.max(...times);
  return {
    shards: n,
    containersStarted: containers,
    sumSeconds: seconds(times.reduce((a, b) => a + b, 0)),
    largestSeconds: seconds(largest),
    largestRatio: Math.round((largest / single.durationMs) * 1000) / 1000,
    identical: differ.length === 0 && got.length === want.length,
    differ,
    timings,
  };
}

/** One run of the scenario in `mode`, with its figures. */
async function measure(scenario: string, prepared: Prepared, mode: Mode, which: string) {
  const runId = newRunId();
  const isolation: Isolation = mode === "container" ? "container" : "vhost";
  process.stderr.write(`bench: ${scenario}, ${prepared.cells.length} cells, ${mode}${which} …\n`);
  const uninstall = cleanupOnExit(runId, (s) => process.stderr.write(s + "\n"));
  const stop = sampleMemory(runId);
  const t0 = Date.now();
  let done = 0;
  const run = await runMatrix(prepared, {
    scenarioFiles: [scenario],
    runId,
    isolation,
    capture: mode === "vhost+capture",
    // As a user's run: an unexpected cell runs again. An error the re-run decides (ejabberd
    // dropping a stanza on loaded cores) is counted as retried, not as a mode's verdict.
    onCellDone: () => {
      if (++done % 20 === 0) process.stderr.write(`  ${done}/${prepared.cells.length} cells, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    },
  });
  const wall = (Date.now() - t0) / 1000;
  const mem = await stop();
  uninstall();
  const figures: Figures = {
    mode,
    cells: run.results.cells.length,
    containersStarted: run.stats.containersStarted,
    wallSeconds: Math.round(wall * 10) / 10,
    perCellMedianSeconds: Math.round(median(run.results.cells.map((c) => c.durationMs)) / 100) / 10,
    peakHarnessRssMiB: MiB(mem.harness),
    peakContainersMiB: MiB(mem.containers),
    asExpected: run.results.summary.asExpected,
    retried: run.results.cells.filter((c) => c.retried).length,
  };
  return { run, figures };
}

async function main() {
  const args = process.argv.slice(2);
  const shardingOnly = args.includes("--sharding-only");
  const scenario = scenarioArg(args) ?? "scenarios/letsencrypt-2026.yaml";
  if (args.includes("--boots")) {
    const boots = await benchBoots(scenario);
    process.stdout.write(bootsTable(boots) + "\n");
    await mkdir("s2s-matrix-report", { recursive: true });
    await writeFile("s2s-matrix-report/bench-boots.json", JSON.stringify({ scenario, date: new Date().toISOString(), boots }, null, 2) + "\n");
    return;
  }
  const repeat = repeatArg(args);
  const prepared = await prepare({ scenarioFiles: [scenario] });
  const figures = new Map<Mode, Figures[]>();
  const runs: { mode: string; cells: CellResult[] }[] = [];
  let first: RunResults | undefined;
  let phases: Span[] = [];
  const modes: readonly Mode[] = shardingOnly ? ["vhost"] : ["vhost", "container", "vhost+capture"];
  // The capture relay's cost shows as a third column: the shared mode with --capture.
  for (const { mode, round } of runOrder(modes, repeat)) {
    const repeated = repeat > 1 && mode !== "container";
    const m = await measure(scenario, prepared, mode, repeated ? ` (run ${round} of ${repeat})` : "");
    if (!figures.has(mode)) figures.set(mode, []);
    figures.get(mode)!.push(m.figures);
    const label = { vhost: "shared", container: "isolated", "vhost+capture": "shared+capture" }[mode];
    runs.push({ mode: repeated ? `${label} #${round}` : label, cells: m.run.results.cells });
    if (mode === "vhost" && !first) {
      first = m.run.results;
      phases = m.run.stats.timings;
    }
  }
  const walls = (mode: Mode) => figures.get(mode)!.map((f) => f.wallSeconds);
  // The first shared run's matrix, timed as the median of the shared runs.
  const single: RunResults = { ...first!, durationMs: median(walls("vhost")) * 1000 };
  // Sharding: the shared run is "1 shard", timed as the shards are (runMatrix, start to end).
  const oneShard: ShardFigures = {
    shards: 1,
    containersStarted: figures.get("vhost")![0].containersStarted,
    sumSeconds: seconds(single.durationMs),
    largestSeconds: seconds(single.durationMs),
    largestRatio: 1,
    identical: true,
    differ: [],
  };
  const sharding = [oneShard];
  for (const n of [2, 4]) sharding.push(await shardRow(scenario, prepared, n, single));
  const shardTable = [
    `| ${scenario}, sharded (shards run one after another) | 1 shard (the shared run) | 2 shards | 4 shards |`,
    "| --- | ---: | ---: | ---: |",
    `| containers started, all shards | ${sharding.map((f) => f.containersStarted).join(" | ")} |`,
    `| sum of shard times (s) | ${sharding.map((f) => f.sumSeconds).join(" | ")} |`,
    `| largest shard's time (s): the wall time on n runners | ${sharding.map((f) => f.largestSeconds).join(" | ")} |`,
    `| largest shard / single run | ${sharding.map((f) => `${Math.round(f.largestRatio * 100)} %`).join(" | ")} |`,
    `| merged matrix identical to the single run (outcome, auth, expectation per cell) | ${sharding.map((f) => (f.identical ? "yes" : `NO: ${f.differ.length} cells differ`)).join(" | ")} |`,
  ].join("\n");
  const shardDiffer = sharding.flatMap((f) => f.differ.map((d) => `${f.shards} shards: ${d}`));
  const phaseOut = `Where the shared run's time went (phases overlap: servers boot while cells run):\n\n${phaseTable(phases)}`;
  if (shardingOnly) {
    process.stdout.write(phaseOut + "\n\n" + shardTable + "\n");
    for (const d of shardDiffer) process.stdout.write(`  differs: ${d}\n`);
    await mkdir("s2s-matrix-report", { recursive: true });
    await writeFile("s2s-matrix-report/bench.json", JSON.stringify({ scenario, date: new Date().toISOString(), shared: figures.get("vhost"), phases, sharding }, null, 2) + "\n");
    process.exitCode = shardDiffer.length ? 1 : 0;
    return;
  }

  const [shared, isolated, captured] = modes.map((m) => figures.get(m)!);
  const differ = modeDifferences(runs);
  const ratio = Math.round((median(walls("container")) / median(walls("vhost"))) * 10) / 10;
  const captureCost = Math.round((median(walls("vhost+capture")) / median(walls("vhost")) - 1) * 1000) / 10;

  const rows: [string, keyof Figures][] = [
    ["cells", "cells"],
    ["containers started", "containersStarted"],
    ["wall time (s)", "wallSeconds"],
    ["per-cell median (s)", "perCellMedianSeconds"],
    ["peak harness RSS (MiB)", "peakHarnessRssMiB"],
    ["peak containers memory (MiB)", "peakContainersMiB"],
    ["cells as expected", "asExpected"],
    ["cells retried (the re-run decided)", "retried"],
  ];
  const out = [
    `| ${scenario} | shared (--isolation vhost) | isolated (--isolation container) | shared with --capture |`,
    "| --- | ---: | ---: | ---: |",
    ...rows.map(([label, k]) => {
      const cell = (fs: Figures[]) => (k === "wallSeconds" ? wallCell(fs.map((f) => f.wallSeconds)) : runsCell(fs.map((f) => f[k] as number)));
      return `| ${label} | ${cell(shared)} | ${cell(isolated)} | ${cell(captured)} |`;
    }),
    `| isolated / shared wall time | ${ratio}× | | |`,
    `| shared with --capture / shared wall time | ${captureCost >= 0 ? "+" : ""}${captureCost} % | | |`,
    `| identical matrix in all three (outcome + auth both ways per cell) | ${differ.length === 0 ? "yes" : `NO: ${differ.length} cells differ`} | | |`,
  ].join("\n");
  process.stdout.write(out + "\n\n" + phaseOut + "\n\n" + shardTable + "\n");
  for (const d of [...differ, ...shardDiffer]) process.stdout.write(`  differs: ${d}\n`);
  await mkdir("s2s-matrix-report", { recursive: true });
  await writeFile(
    "s2s-matrix-report/bench.json",
    JSON.stringify(
      { scenario, date: new Date().toISOString(), repeat, shared, isolated, captured, ratio, captureCostPercent: captureCost, identical: differ.length === 0, differ, phases, sharding },
      null,
      2,
    ) + "\n",
  );
  process.exitCode = differ.length || shardDiffer.length ? 1 : 0;
}

await main();
