// Time as the harness says it, and bounded waits: the one formatter of a duration
// (reports, progress, error messages) and the one timer race (probe, Docker stages).
import { EnvironmentError } from "./errors.ts";

/** 0.8s, 12.3s, 30s, 1m 23s, 20m, 1h, 1h 02m: a measured time or a bound alike. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 59_950) return `${+(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s` : `${s / 60}m`;
  const m = Math.floor((s % 3600) / 60);
  return m ? `${Math.floor(s / 3600)}h ${String(m).padStart(2, "0")}m` : `${Math.floor(s / 3600)}h`;
}

/**
 * `work`, or an EnvironmentError naming `stage` once `ms` pass first. `onTimeout`
 * stops what was waited on (a stream, a process) so that nothing keeps running.
 */
export function within<T>(ms: number, stage: string, work: Promise<T>, opts: { fix?: string; onTimeout?: () => void } = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      opts.onTimeout?.();
      reject(new EnvironmentError(`${stage}: no result within ${formatDuration(ms)}`, opts.fix));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
