// One-time host set-up (installing debootstrap, making a base image, building a
// server image) must happen once even when several s2s-matrix processes start at
// the same time: a lock file per job in a directory of this user's own (0700, so
// no other user can plant a lock or swap the directory for a symlink). The file is
// made with O_EXCL|O_NOFOLLOW and holds its owner's pid and start time, so that a
// lock left by a killed process (or naming a pid that is now another process) is
// taken over; a lock whose owner lives on is waited on for a bounded time only.
import { closeSync, constants, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { EnvironmentError } from "../../core/errors.ts";
import { formatDuration, STAGE_TIMEOUTS_MS } from "./deadline.ts";
import { processStartTime } from "./labels.ts";

const uid = process.getuid?.();
export const LOCK_DIR = join(tmpdir(), `s2s-matrix-locks-${uid ?? userInfo().username}`);

/** A lock file that is still empty this long after it was made was left by a writer that died. */
const UNWRITTEN_GRACE_MS = 10_000;
const POLL_MS = 250;

export interface LockOptions {
  dir?: string;
  /** How long to wait for a holder that is alive (default STAGE_TIMEOUTS_MS.hostLock). */
  maxWaitMs?: number;
  /** The clock the wait is measured with (tests bring their own). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Makes `dir` (mode 0700) or checks that the one there is a real directory of this user's, not reachable by others. */
export function ensureLockDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = lstatSync(dir);
  const why = st.isSymbolicLink()
    ? "is a symbolic link"
    : !st.isDirectory()
      ? "is not a directory"
      : uid !== undefined && st.uid !== uid
        ? `belongs to uid ${st.uid}, not to you (uid ${uid})`
        : process.platform !== "win32" && (st.mode & 0o077) !== 0
          ? `has mode ${(st.mode & 0o777).toString(8)}, not 700`
          : undefined;
  if (why) throw new EnvironmentError(`the lock directory ${dir} ${why}, so another user could take or fake s2s-matrix's locks`, `rm -rf ${dir} (s2s-matrix makes it again, owner-only)`);
}

/** `<pid> <start time>` of this process: what a lock file holds. */
const SELF = `${process.pid} ${processStartTime("self") ?? ""}`.trim();

/**
 * Whether the process a lock file names still holds it: it exists, and where start
 * times can be read, it is the process that wrote the file (a pid reused by another
 * process, or a file without this, is stale). Empty text: the writer is between
 * creating the file and writing it.
 */
function holderAlive(text: string): boolean {
  const [pidText, started] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const actual = processStartTime(pid);
  if (actual !== undefined) return actual === started;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // EPERM too: another user's process cannot hold a lock in this user's directory
  }
}

/** A lock file's text; undefined when there is none; a symlink (never ours) reads as a stale lock. */
function readLock(path: string): string | undefined {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") return "symlink";
    throw e;
  }
}

type Attempt = { taken: true } | { taken: false; holder: string };

function tryTake(path: string): Attempt {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const text = readLock(path);
    if (text === undefined) return tryTake(path); // let go meanwhile
    // The file's age is wall-clock time, whatever clock the wait is measured with.
    const age = Date.now() - (lstatSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (!text.trim() && age < UNWRITTEN_GRACE_MS) return { taken: false, holder: "" };
    if (holderAlive(text)) return { taken: false, holder: text.trim() };
    // Its owner died: move it aside (only one taker can) and check it was still the dead one's.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      return tryTake(path);
    }
    const moved = readLock(aside);
    if (moved !== text) {
      // A live taker's, made since we read: put it back (unless a third made one meanwhile) and wait.
      try {
        linkSync(aside, path);
      } catch {
        // EEXIST: that third one holds it now
      }
      rmSync(aside, { force: true });
      return { taken: false, holder: (moved ?? "").trim() };
    }
    rmSync(aside, { force: true });
    return tryTake(path);
  }
  try {
    writeSync(fd, SELF);
  } finally {
    closeSync(fd);
  }
  return { taken: true };
}

/**
 * Runs `fn` while holding the host-wide lock `name` (a file-name-safe word). Another
 * process holding it makes this wait (announced once through `onWait`), at most
 * `maxWaitMs`: then an EnvironmentError naming the lock file and its holder (exit 3).
 */
export async function withHostLock<T>(name: string, fn: () => Promise<T>, onWait: () => void = () => {}, o: LockOptions = {}): Promise<T> {
  const dir = o.dir ?? LOCK_DIR;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWaitMs = o.maxWaitMs ?? STAGE_TIMEOUTS_MS.hostLock;
  ensureLockDir(dir);
  const path = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
  const since = now();
  let announced = false;
  for (let a = tryTake(path); !a.taken; a = tryTake(path)) {
    if (now() - since >= maxWaitMs) {
      const pid = a.holder.split(" ")[0];
      throw new EnvironmentError(
        `waited ${formatDuration(maxWaitMs)} for the host lock ${path}, held by ${pid ? `pid ${pid}` : "a process that has not written its pid"}`,
        pid ? `if pid ${pid} is no s2s-matrix (ps -p ${pid}) or is stuck, end it or rm ${path}, then run again` : `rm ${path}, then run again`,
      );
    }
    if (!announced) (announced = true), onWait();
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    // Only our own: a lock taken over from us (we were thought dead) is its new owner's.
    if (readLock(path) === SELF) rmSync(path, { force: true });
  }
}
