// Bounded waits: every stage that waits on something outside the harness (the
// engine, an image build, debootstrap, a command in a container) ends with an
// error naming the stage instead of hanging (core/time.ts within), and `--timeout`
// bounds a whole run.
// The one formatter and timer race live in core/time.ts (the probe uses them too); kept importable from here.
export { formatDuration, within } from "../../core/time.ts";

/** How long each stage may take before the run gives up on it (exit 3). */
export const STAGE_TIMEOUTS_MS = {
  /** Ping and info of the Docker engine. */
  engine: 30_000,
  /** One image build (apt downloads included); a build takes 10–60 s here, and minutes on a slow mirror. */
  imageBuild: 20 * 60_000,
  /** debootstrap of a Debian base image, and its import into the engine. */
  debootstrap: 20 * 60_000,
  /** The installed-version check inside a started server. */
  versionCheck: 60_000,
  /**
   * Waiting for another s2s-matrix's host lock (host-lock.ts): longer than its holder's
   * own bounded work (a debootstrap and its import, 20 min each), so only a stuck or
   * foreign lock reaches it.
   */
  hostLock: 45 * 60_000,
} as const;

/**
 * The readiness bound of a server holding `hosts` virtual hosts: ejabberd starts
 * every host's modules before it listens, and with eight servers booting at once
 * on two cores 60 hosts took up to 134 s. Each host beyond the first 20 adds 1 s.
 */
export function readinessBound(baseMs: number, hosts: number): number {
  return baseMs + Math.max(0, hosts - 20) * 1_000;
}

/** "90s", "15m", "1h", "1h30m", or plain seconds ("600") → milliseconds; undefined when it does not parse or is 0. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000 || undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || !t) return undefined;
  const ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}
