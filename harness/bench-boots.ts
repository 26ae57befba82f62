// `npm run bench -- --boots [scenario.yaml]`: what one server's boot costs. For each
// server of the scenario, one run of its first self-pair cell (or any cell of it):
// each boot's wall time (runner/timings.ts) and the container's CPU-seconds when it
// is ready (docker stats: the cgroup's total usage). The figures behind
// shard.ts's COST_MODEL.bootCpuSeconds. A self-pair boots its two containers at
// once, so the wall time is an upper bound; the CPU is each container's own.
import { docker } from "./docker/client.ts";
import { cleanupOnExit } from "./docker/cleanup.ts";
import { newRunId } from "./docker/labels.ts";
import { prepare } from "./inputs.ts";
import { runMatrix } from "./matrix.ts";
import { STAGE_DEPS, type StageDeps } from "./runner/stages.ts";
import type { CellSpec } from "../core/types.ts";

interface Boot {
  instance: string;
  wallSeconds: number;
  cpuSeconds: number;
}

/** The container's CPU so far, in seconds (cgroup total usage, nanoseconds). */
async function cpuSeconds(id: string): Promise<number> {
  const s = await (await docker()).getContainer(id).stats({ stream: false, "one-shot": true } as { stream: false });
  return (s.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9;
}

/** One cell per server: its self-pair if the scenario has one, else its first cell. */
function cellPerServer(cells: CellSpec[]): Map<string, CellSpec> {
  const out = new Map<string, CellSpec>();
  for (const c of cells) if (c.initiator.server === c.receiver.server && !out.has(c.initiator.server)) out.set(c.initiator.server, c);
  for (const c of cells) for (const s of [c.initiator.server, c.receiver.server]) if (!out.has(s)) out.set(s, c);
  return out;
}

export async function benchBoots(scenario: string): Promise<Boot[]> {
  const prepared = await prepare({ scenarioFiles: [scenario] });
  const boots: Boot[] = [];
  const cpu = new Map<string, number>();
  // The container's CPU is read as soon as it is ready, before any cell runs on it.
  const startPlanned: StageDeps["startPlanned"] = async (...args) => {
    const inst = await STAGE_DEPS.startPlanned(...args);
    cpu.set(inst.spec.key, await cpuSeconds(inst.container.getId()).catch(() => NaN));
    return inst;
  };
  for (const [server, cell] of cellPerServer(prepared.cells)) {
    const runId = newRunId();
    process.stderr.write(`bench --boots: ${server} (${cell.id}) …\n`);
    const uninstall = cleanupOnExit(runId, (s) => process.stderr.write(s + "\n"));
    cpu.clear();
    const run = await runMatrix({ ...prepared, cells: [cell] }, { scenarioFiles: [scenario], runId, retryUnexpected: false, stageDeps: { startPlanned } });
    uninstall();
    for (const s of run.stats.timings) {
      const key = s.phase.startsWith("boot ") ? s.phase.slice(5) : undefined;
      if (key?.startsWith(`${server}#`)) boots.push({ instance: key, wallSeconds: s.ms / 1000, cpuSeconds: cpu.get(key) ?? NaN });
    }
  }
  return boots;
}

export function bootsTable(boots: Boot[]): string {
  return [
    "| container | boot wall (s) | boot CPU (CPU-s) |",
    "| --- | ---: | ---: |",
    ...boots.map((b) => `| ${b.instance} | ${b.wallSeconds.toFixed(2)} | ${b.cpuSeconds.toFixed(2)} |`),
  ].join("\n");
}
