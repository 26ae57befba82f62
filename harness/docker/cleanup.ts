// Removal of a run's containers and networks by label. This is what Ryuk would
// do, done by the harness itself because Ryuk's image often cannot be pulled.
import { hostname } from "node:os";
import { docker } from "./client.ts";
import { LABEL_HOST, LABEL_PID, LABEL_RUN } from "./labels.ts";

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
}

async function removeWhere(filter: (labels: Record<string, string>) => boolean): Promise<Removed> {
  const d = await docker();
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  const containers = await d.listContainers({ all: true, filters: { label: [LABEL_RUN] } });
  await Promise.all(
    containers
      .filter((c) => filter(c.Labels))
      .map(async (c) => {
        await d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
        removed.containers.push(c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12));
      }),
  );
  const networks = await d.listNetworks({ filters: { label: [LABEL_RUN] } });
  for (const n of networks.filter((n) => filter(n.Labels ?? {}))) {
    await d.getNetwork(n.Id).remove().catch(() => {});
    removed.networks.push(n.Name);
  }
  const { Volumes: volumes } = await d.listVolumes({ filters: { label: [LABEL_RUN] } });
  for (const v of (volumes ?? []).filter((v) => filter(v.Labels ?? {}))) {
    await d.getVolume(v.Name).remove().catch(() => {});
    removed.volumes.push(v.Name);
  }
  return removed;
}

/** Everything labelled with this run id. */
export const removeRun = (runId: string): Promise<Removed> => removeWhere((l) => l[LABEL_RUN] === runId);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs started on this host whose process is gone (a crash, a killed CI job). Never anything unlabelled. */
export function isDeadRun(labels: Record<string, string>, self = process.pid): boolean {
  if (labels[LABEL_HOST] !== hostname()) return false;
  const pid = Number(labels[LABEL_PID]);
  return Number.isInteger(pid) && pid !== self && !processAlive(pid);
}

export const removeDeadRuns = (): Promise<Removed> => removeWhere((l) => isDeadRun(l));

/** `s2s-matrix clean --all`: every run's objects, alive or not. */
export const removeAllRuns = (): Promise<Removed> => removeWhere(() => true);

export function describeRemoved(r: Removed): string {
  const n = r.containers.length + r.networks.length + r.volumes.length;
  if (n === 0) return "nothing to remove";
  const parts = [];
  if (r.containers.length) parts.push(`${r.containers.length} container(s): ${r.containers.join(", ")}`);
  if (r.networks.length) parts.push(`${r.networks.length} network(s): ${r.networks.join(", ")}`);
  if (r.volumes.length) parts.push(`${r.volumes.length} volume(s): ${r.volumes.join(", ")}`);
  return "removed " + parts.join("; ");
}

/**
 * Removes the run's objects on SIGINT/SIGTERM and on an uncaught error, then exits.
 * Returns a function that uninstalls the handlers (for normal completion).
 */
export function cleanupOnExit(runId: string, log: (s: string) => void): () => void {
  let done = false;
  const handler = (code: number, why: string) => async (err?: unknown) => {
    if (done) return;
    done = true;
    if (err instanceof Error) log(`s2s-matrix: ${err.stack ?? err.message}`);
    log(`s2s-matrix: ${why}; removing run ${runId}'s containers and networks…`);
    try {
      log(`s2s-matrix: ${describeRemoved(await removeRun(runId))}`);
    } finally {
      process.exit(code);
    }
  };
  const onInt = handler(130, "interrupted");
  const onTerm = handler(143, "terminated");
  const fatal = handler(1, "uncaught error");
  const onErr = (err: unknown) => {
    // xmpp.js can leave a rejected promise behind after a login the probe has
    // already given up on (its own waits are bounded): never a reason to stop a run.
    if (err instanceof Error && /[\\/]@xmpp[\\/]/.test(err.stack ?? "")) return;
    void fatal(err);
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("uncaughtException", onErr);
  process.on("unhandledRejection", onErr);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("uncaughtException", onErr);
    process.off("unhandledRejection", onErr);
  };
}
