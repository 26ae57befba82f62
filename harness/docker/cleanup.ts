// Removal of a run's containers and networks by label. This is what Ryuk would
// do, done by the harness itself: Ryuk stays off (see keepRyukOff in client.ts).
import { docker } from "./client.ts";
import { LABEL_PID, LABEL_PIDNS, LABEL_RUN, LABEL_STARTED, pidNamespace, processAlive, processStartTime } from "./labels.ts";

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** Objects that are still there: what could not be removed, and why. */
  failed?: string[];
}

/** 404: someone else (the run's own cleanup) removed it first; it is gone all the same. */
const gone = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 404;
const reasonOf = (e: unknown): string => ((e as { json?: { message?: string } }).json?.message ?? (e as Error).message ?? String(e)).split("\n")[0];

async function removeWhere(filter: (o: LabelledObject) => boolean): Promise<Removed> {
  const d = await docker();
  const removed: Removed = { containers: [], networks: [], volumes: [], failed: [] };
  // Only what is really gone is reported as removed; the rest is named in `failed`.
  const attempt = async (list: string[], kind: string, name: string, remove: () => Promise<unknown>) => {
    try {
      await remove();
    } catch (e) {
      if (!gone(e)) return void removed.failed!.push(`${kind} ${name} (${reasonOf(e)})`);
    }
    list.push(name);
  };
  const containers = await d.listContainers({ all: true, filters: { label: [LABEL_RUN] } });
  await Promise.all(
    containers
      .filter((c) => filter({ labels: c.Labels, createdMs: c.Created * 1000 }))
      .map((c) =>
        attempt(removed.containers, "container", c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12), () => d.getContainer(c.Id).remove({ force: true, v: true })),
      ),
  );
  const networks = await d.listNetworks({ filters: { label: [LABEL_RUN] } });
  for (const n of networks.filter((n) => filter({ labels: n.Labels ?? {}, createdMs: Date.parse(n.Created) || undefined }))) {
    await attempt(removed.networks, "network", n.Name, () => d.getNetwork(n.Id).remove());
  }
  const { Volumes: volumes } = await d.listVolumes({ filters: { label: [LABEL_RUN] } });
  for (const v of (volumes ?? []).filter((v) => filter({ labels: v.Labels ?? {}, createdMs: Date.parse((v as { CreatedAt?: string }).CreatedAt ?? "") || undefined }))) {
    await attempt(removed.volumes, "volume", v.Name, () => d.getVolume(v.Name).remove());
  }
  return removed;
}

/** Everything labelled with this run id. */
export const removeRun = (runId: string): Promise<Removed> => removeWhere((o) => o.labels[LABEL_RUN] === runId);

/** Runs whose liveness cannot be read here are left alone until they are this old. */
export const FOREIGN_RUN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface LabelledObject {
  labels: Record<string, string>;
  /** When the container/network/volume was created (ms since the epoch); undefined when unknown. */
  createdMs?: number;
}

/**
 * A run whose process is certainly gone (a crash, a killed CI job). Its pid is only
 * checked when it lives in this process's pid namespace (same boot, same namespace):
 * a run in another container, on another machine sharing the engine, or of an older
 * harness without that label is never judged by a pid of ours, and counts as dead
 * only once it is older than FOREIGN_RUN_MAX_AGE_MS. Never anything unlabelled.
 */
export function isDeadRun(o: LabelledObject, now = Date.now(), self = { pid: process.pid, pidns: pidNamespace() }): boolean {
  const l = o.labels;
  if (!l[LABEL_RUN]) return false;
  const pid = Number(l[LABEL_PID]);
  if (l[LABEL_PIDNS] === undefined || l[LABEL_PIDNS] !== self.pidns) {
    return o.createdMs !== undefined && now - o.createdMs > FOREIGN_RUN_MAX_AGE_MS;
  }
  if (!Number.isInteger(pid) || pid === self.pid) return false;
  if (!processAlive(pid)) return true;
  // The pid is taken, but by a process started at another time: the run's own process is gone.
  const started = l[LABEL_STARTED];
  const current = processStartTime(pid);
  return started !== undefined && current !== undefined && started !== current;
}

export const removeDeadRuns = (): Promise<Removed> => removeWhere((o) => isDeadRun(o));

/** `s2s-matrix clean --all`: every run's objects, alive or not. */
export const removeAllRuns = (): Promise<Removed> => removeWhere(() => true);

export function describeRemoved(r: Removed): string {
  const n = r.containers.length + r.networks.length + r.volumes.length;
  const failed = r.failed?.length ? `could not remove ${r.failed.join(", ")}` : "";
  if (n === 0) return failed || "nothing to remove";
  const parts = [];
  if (r.containers.length) parts.push(`${r.containers.length} container(s): ${r.containers.join(", ")}`);
  if (r.networks.length) parts.push(`${r.networks.length} network(s): ${r.networks.join(", ")}`);
  if (r.volumes.length) parts.push(`${r.volumes.length} volume(s): ${r.volumes.join(", ")}`);
  return "removed " + parts.join("; ") + (failed ? `; ${failed}` : "");
}

/**
 * What a run says about objects it removed or could not, after `what` ("leftovers of dead
 * runs" at its start, "teardown" at its end), or nothing. A network Docker still counts an
 * endpoint in (seen once after runc failed to remove a container) fails every attempt
 * until the daemon forgets the endpoint: said each time, not skipped.
 */
export function removalLine(what: string, r: Removed): string | undefined {
  if (!r.containers.length && !r.networks.length && !r.volumes.length && !r.failed?.length) return undefined;
  const stale = r.failed?.some((f) => f.includes("active endpoints"))
    ? " (`docker network inspect` shows what is attached; an endpoint with no container goes when the Docker daemon restarts)"
    : "";
  return `${what}: ${describeRemoved(r)}${stale}`;
}

const stopping = new Set<string>();

/** Whether the run is being torn down after a signal: nothing new may start for it. */
export const isStopping = (runId: string): boolean => stopping.has(runId);

/** Whether any run of this process is being torn down (its handler will exit the process). */
export const stopInProgress = (): boolean => stopping.size > 0;

/**
 * Removes the run's objects, again and again until a pass finds nothing for
 * `settleMs`: a container or network whose creation was in flight when the run
 * was interrupted lands after the first pass (and a network cannot go while a
 * container is still attached). Bounded by `maxMs`; what is left is in `failed`.
 */
export async function removeRunSettled(runId: string, { settleMs = 2_000, maxMs = 20_000, everyMs = 250 } = {}): Promise<Removed> {
  const total: Removed = { containers: [], networks: [], volumes: [], failed: [] };
  const deadline = Date.now() + maxMs;
  let quietSince = Date.now();
  for (;;) {
    const r = await removeRun(runId);
    for (const k of ["containers", "networks", "volumes"] as const) for (const x of r[k]) if (!total[k].includes(x)) total[k].push(x);
    total.failed = r.failed ?? [];
    if (r.containers.length || r.networks.length || r.volumes.length || total.failed.length) quietSince = Date.now();
    else if (Date.now() - quietSince >= settleMs) break;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return total;
}

/** `--timeout`: the whole run's deadline. */
export interface RunDeadline {
  ms: number;
  /** What the exit message says, e.g. "the run's --timeout of 20m expired". */
  why: string;
  /** Called when it expires, before the run's objects are removed (e.g. to say which cells finished). */
  onExpiry?: () => void;
}

/**
 * Removes the run's objects on SIGINT/SIGTERM, on an uncaught error and when the
 * deadline expires (exit 3), then exits. Returns a function that uninstalls the
 * handlers and the deadline (for normal completion).
 */
export function cleanupOnExit(runId: string, log: (s: string) => void, deadline?: RunDeadline, onStop?: (code: number, why: string) => void): () => void {
  let done = false;
  const handler = (code: number, why: string) => async (err?: unknown) => {
    if (done) return;
    done = true;
    // What was measured is written before anything is removed (synchronously: the process exits below).
    try {
      onStop?.(code, err instanceof Error ? `${why}: ${err.message.split("\n")[0]}` : why);
    } catch (e) {
      log(`s2s-matrix: could not write the reports of the cells that finished (${(e as Error).message})`);
    }
    // From here on nothing new starts for the run (see instance.ts), and the CLI
    // leaves the exit to this handler.
    stopping.add(runId);
    if (err instanceof Error) log(`s2s-matrix: ${err.stack ?? err.message}`);
    log(`s2s-matrix: ${why}; removing run ${runId}'s containers and networks…`);
    try {
      log(`s2s-matrix: ${describeRemoved(await removeRunSettled(runId))}`);
    } catch (e) {
      log(`s2s-matrix: could not remove run ${runId}'s objects (${reasonOf(e)}); run: s2s-matrix clean`);
    } finally {
      process.exit(code);
    }
  };
  const onInt = handler(130, "interrupted");
  const onTerm = handler(143, "terminated");
  const fatal = handler(4, "internal error (uncaught; a bug in s2s-matrix)");
  const onErr = (err: unknown) => {
    // xmpp.js can leave a rejected promise behind after a login the probe has
    // already given up on (its own waits are bounded): never a reason to stop a run.
    if (err instanceof Error && /[\\/]@xmpp[\\/]/.test(err.stack ?? "")) return;
    void fatal(err);
  };
  const expired = handler(3, deadline?.why ?? "");
  const timer = deadline
    ? setTimeout(() => {
        if (!done) deadline.onExpiry?.();
        void expired();
      }, deadline.ms)
    : undefined;
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("uncaughtException", onErr);
  process.on("unhandledRejection", onErr);
  return () => {
    clearTimeout(timer);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("uncaughtException", onErr);
    process.off("unhandledRejection", onErr);
  };
}
