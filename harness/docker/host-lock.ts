// One-time host set-up (installing debootstrap, making a base image, building a
// server image) must happen once even when several s2s-matrix processes start at
// the same time: a lock directory per job, shared by every process of this user.
// mkdir is atomic; the directory holds the owner's pid so that a lock left by a
// killed process is taken over instead of waited on forever.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "./labels.ts";

export const LOCK_DIR = join(tmpdir(), "s2s-matrix-locks");

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tryTake(path: string): boolean {
  try {
    mkdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(path, "pid"), "utf8"));
    } catch {
      // the owner is between mkdir and writing its pid (or died there: after 10 s, take over)
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < 10_000) return false;
    }
    if (!Number.isInteger(owner) || processAlive(owner)) return false;
    rmSync(path, { recursive: true, force: true }); // its owner died: take it over
    return tryTake(path);
  }
  writeFileSync(join(path, "pid"), String(process.pid));
  return true;
}

/**
 * Runs `fn` while holding the host-wide lock `name` (a file-name-safe word). Another
 * process holding it makes this wait (announced once through `onWait`).
 */
export async function withHostLock<T>(name: string, fn: () => Promise<T>, onWait: () => void = () => {}, dir = LOCK_DIR): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
  let announced = false;
  while (!tryTake(path)) {
    if (!announced) (announced = true), onWait();
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
