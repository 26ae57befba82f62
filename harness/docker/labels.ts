// Every Docker object of a run carries these labels, so that the harness (not
// Ryuk) can find and remove it: at exit, on a signal, or in a later run.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import pkg from "../../package.json" with { type: "json" };

export const LABEL_RUN = "s2s-matrix.run";
export const LABEL_VERSION = "s2s-matrix.version";
export const LABEL_PID = "s2s-matrix.pid";
export const LABEL_HOST = "s2s-matrix.host";
/** Images built for a catalog entry are a cache, not part of a run. */
export const LABEL_IMAGE = "s2s-matrix.image";

export const HARNESS_VERSION: string = pkg.version;

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${t}-${randomBytes(3).toString("hex")}`;
}

export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL_RUN]: runId,
    [LABEL_VERSION]: HARNESS_VERSION,
    [LABEL_PID]: String(process.pid),
    [LABEL_HOST]: hostname(),
  };
}
