// `debian:<suite>` base images. Normally pulled; where no registry answers,
// made with debootstrap from Debian's mirror and imported (cached by tag).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { docker } from "./client.ts";
import { formatDuration, STAGE_TIMEOUTS_MS, within } from "../deadline.ts";
import { EnvironmentError } from "../errors.ts";

export const MIRROR = "http://deb.debian.org/debian";

/** `bookworm-backports` builds on `bookworm`. */
export const baseSuite = (dist: string): string => dist.split("-")[0];

async function hasImage(d: Dockerode, tag: string): Promise<boolean> {
  return d.getImage(tag).inspect().then(() => true, () => false);
}

async function tryPull(d: Dockerode, tag: string, timeoutMs = 60_000): Promise<boolean> {
  try {
    const stream = await d.pull(tag);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("pull timed out")), timeoutMs);
      d.modem.followProgress(stream, (err) => (clearTimeout(timer), err ? reject(err) : resolve()));
    });
    return hasImage(d, tag);
  } catch {
    return false;
  }
}

/** Runs a command to its end, or kills it (and fails, naming it) after `timeoutMs`. */
export function run(cmd: string, args: string[], timeoutMs: number = STAGE_TIMEOUTS_MS.debootstrap): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), p.kill("SIGKILL")), timeoutMs);
    p.stdout.on("data", (b) => (out += b));
    p.stderr.on("data", (b) => (out += b));
    p.on("error", (e) => (clearTimeout(timer), reject(e)));
    p.on("close", (code) => {
      clearTimeout(timer);
      const tail = out.split("\n").slice(-15).join("\n");
      if (timedOut) reject(new Error(`${cmd} gave no result within ${formatDuration(timeoutMs)} and was stopped:\n${tail}`));
      else if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}:\n${tail}`));
    });
  });
}

async function debootstrapImport(d: Dockerode, suite: string, log: (s: string) => void): Promise<void> {
  if (!existsSync("/usr/sbin/debootstrap")) {
    if (process.getuid?.() !== 0 || !existsSync("/etc/debian_version")) {
      throw new EnvironmentError(`debian:${suite} is not present, cannot be pulled, and debootstrap is missing`, `docker pull debian:${suite}, or apt-get install debootstrap`);
    }
    log("installing debootstrap from Debian…");
    await run("apt-get", ["install", "-y", "-q", "debootstrap"]).catch(async () => {
      await run("apt-get", ["update", "-q"]);
      await run("apt-get", ["install", "-y", "-q", "debootstrap"]);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), `s2s-matrix-${suite}-`));
  try {
    log(`debian:${suite} cannot be pulled: building it with debootstrap from ${MIRROR} (~30 s)…`);
    await run("debootstrap", ["--variant=minbase", suite, dir, MIRROR]).catch((e) => {
      throw new EnvironmentError(`debootstrap of Debian ${suite} failed: ${(e as Error).message}`, `check that ${MIRROR} is reachable, or provide the image: docker pull debian:${suite}`);
    });
    const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const stream = await d.importImage(tar.stdout as unknown as string, { repo: "debian", tag: suite });
    const imported = new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    await within(STAGE_TIMEOUTS_MS.debootstrap, `importing debian:${suite} into the engine`, imported, {
      onTimeout: () => (tar.kill("SIGKILL"), (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pending = new Map<string, Promise<void>>();

/** Makes `debian:<suite>` present: local, else pulled, else debootstrapped. */
export function ensureBaseImage(suite: string, log: (s: string) => void = () => {}): Promise<void> {
  const tag = `debian:${suite}`;
  let p = pending.get(tag);
  if (!p) {
    p = (async () => {
      const d = await docker();
      if (await hasImage(d, tag)) return;
      if (await tryPull(d, tag)) return;
      await debootstrapImport(d, suite, log);
      if (!(await hasImage(d, tag))) throw new EnvironmentError(`importing ${tag} did not produce the image`);
    })();
    pending.set(tag, p);
    p.catch(() => pending.delete(tag));
  }
  return p;
}
