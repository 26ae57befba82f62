// Every Docker object of a run carries these labels, so that the harness (not
// Ryuk) can find and remove it: at exit, on a signal, or in a later run.
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import pkg from "../../package.json" with { type: "json" };

export const LABEL_RUN = "s2s-matrix.run";
export const LABEL_VERSION = "s2s-matrix.version";
export const LABEL_PID = "s2s-matrix.pid";
export const LABEL_HOST = "s2s-matrix.host";
/**
 * Where LABEL_PID means something: the kernel boot and PID namespace of the run's
 * process (Linux), so that a run in another container or after a reboot is never
 * judged by a pid of ours. Elsewhere (macOS, Windows) the host's one pid space.
 */
export const LABEL_PIDNS = "s2s-matrix.pidns";
/** Start time of the run's process (clock ticks since boot): a reused pid is another process. */
export const LABEL_STARTED = "s2s-matrix.started";
/** Images built for a catalog entry are a cache, not part of a run. */
export const LABEL_IMAGE = "s2s-matrix.image";

export const HARNESS_VERSION: string = pkg.version;

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${t}-${randomBytes(3).toString("hex")}`;
}

/** A file's text (trimmed), or `fallback` where it cannot be read. */
export const readOr = (path: string, fallback: string): string => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return fallback;
  }
};

/** This process's pid namespace, e.g. `c5ba8987-…/pid:[4026531836]`; `host:<hostname>` without /proc. */
export function pidNamespace(): string {
  try {
    return `${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()}/${readlinkSync("/proc/self/ns/pid")}`;
  } catch {
    return `host:${hostname()}`;
  }
}

/** Whether a process of this PID namespace exists (EPERM: it does, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started; undefined without /proc or the process. */
export function processStartTime(pid: number | "self"): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`, "");
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return stat ? fields[19] : undefined;
}

const self = { pidns: pidNamespace(), started: processStartTime("self") };

export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL_RUN]: runId,
    [LABEL_VERSION]: HARNESS_VERSION,
    [LABEL_PID]: String(process.pid),
    [LABEL_HOST]: hostname(),
    [LABEL_PIDNS]: self.pidns,
    ...(self.started ? { [LABEL_STARTED]: self.started } : {}),
  };
}
