// `npm run bench [scenario.yaml]`: the same scenario in the shared mode
// (`--isolation vhost`), the isolated mode (`--isolation container`) and the
// shared mode with the capture relay, on this machine, in one invocation.
// Prints cells, containers started, wall time, per-cell median, peak memory of
// the harness and of the containers, the ratio isolated/shared, and fails
// (exit 1) unless all three produced the identical matrix. Writes the figures
// to s2s-matrix-report/bench.json.
import { mkdir, writeFile } from "node:fs/promises";
import { docker } from "./docker/client.ts";
import { cleanupOnExit } from "./docker/cleanup.ts";
import { LABEL_RUN, newRunId } from "./docker/labels.ts";
import { prepare, runMatrix } from "./matrix.ts";
import type { Isolation } from "./plan.ts";
import type { CellResult } from "./types.ts";

interface Figures {
  mode: Isolation | "vhost+capture";
  cells: number;
  containersStarted: number;
  wallSeconds: number;
  perCellMedianSeconds: number;
  peakHarnessRssMiB: number;
  peakContainersMiB: number;
  asExpected: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
};
const MiB = (b: number) => Math.round(b / 2 ** 20);

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

const key = (c: CellResult) => `${c.outcome}/${c.auth.outbound}`;

async function main() {
  const scenario = process.argv[2] ?? "scenarios/letsencrypt-2026.yaml";
  const prepared = await prepare({ scenarioFiles: [scenario] });
  const figures: Figures[] = [];
  const matrices: Map<string, string>[] = [];
  // The capture relay's cost shows as a third column: the shared mode with --capture.
  for (const mode of ["vhost", "container", "vhost+capture"] as const) {
    const runId = newRunId();
    const isolation: Isolation = mode === "container" ? "container" : "vhost";
    process.stderr.write(`bench: ${scenario}, ${prepared.cells.length} cells, ${mode} …\n`);
    const uninstall = cleanupOnExit(runId, (s) => process.stderr.write(s + "\n"));
    const stop = sampleMemory(runId);
    const t0 = Date.now();
    let done = 0;
    const run = await runMatrix(prepared, {
      scenarioFiles: [scenario],
      runId,
      isolation,
      capture: mode === "vhost+capture",
      // Both modes answer the same question once: no flakiness re-runs in a timing.
      retryUnexpected: false,
      onCellDone: () => {
        if (++done % 20 === 0) process.stderr.write(`  ${done}/${prepared.cells.length} cells, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      },
    });
    const wall = (Date.now() - t0) / 1000;
    const mem = await stop();
    uninstall();
    figures.push({
      mode,
      cells: run.results.cells.length,
      containersStarted: run.stats.containersStarted,
      wallSeconds: Math.round(wall * 10) / 10,
      perCellMedianSeconds: Math.round(median(run.results.cells.map((c) => c.durationMs)) / 100) / 10,
      peakHarnessRssMiB: MiB(mem.harness),
      peakContainersMiB: MiB(mem.containers),
      asExpected: run.results.summary.asExpected,
    });
    matrices.push(new Map(run.results.cells.map((c) => [`${c.spec.scenario}\n${c.spec.id}`, key(c)])));
  }
  const [shared, isolated, captured] = figures;
  const differ = [...matrices[0]]
    .filter(([id, v]) => matrices[1].get(id) !== v || matrices[2].get(id) !== v)
    .map(([id, v]) => `${id.split("\n")[1]}: shared ${v}, isolated ${matrices[1].get(id)}, shared+capture ${matrices[2].get(id)}`);
  const ratio = Math.round((isolated.wallSeconds / shared.wallSeconds) * 10) / 10;

  const rows: [string, keyof Figures][] = [
    ["cells", "cells"],
    ["containers started", "containersStarted"],
    ["wall time (s)", "wallSeconds"],
    ["per-cell median (s)", "perCellMedianSeconds"],
    ["peak harness RSS (MiB)", "peakHarnessRssMiB"],
    ["peak containers memory (MiB)", "peakContainersMiB"],
    ["cells as expected", "asExpected"],
  ];
  const out = [
    `| ${scenario} | shared (--isolation vhost) | isolated (--isolation container) | shared with --capture |`,
    "| --- | ---: | ---: | ---: |",
    ...rows.map(([label, k]) => `| ${label} | ${shared[k]} | ${isolated[k]} | ${captured[k]} |`),
    `| isolated / shared wall time | ${ratio}× | | |`,
    `| identical matrix in all three (outcome + auth per cell) | ${differ.length === 0 ? "yes" : `NO: ${differ.length} cells differ`} | | |`,
  ].join("\n");
  process.stdout.write(out + "\n");
  for (const d of differ) process.stdout.write(`  differs: ${d}\n`);
  await mkdir("s2s-matrix-report", { recursive: true });
  await writeFile(
    "s2s-matrix-report/bench.json",
    JSON.stringify({ scenario, date: new Date().toISOString(), shared, isolated, captured, ratio, identical: differ.length === 0, differ }, null, 2) + "\n",
  );
  process.exitCode = differ.length ? 1 : 0;
}

await main();
