// `debian:<suite>` base images. Normally pulled; where no registry answers,
// made with debootstrap from Debian's mirror and imported (cached by tag).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { docker } from "./client.ts";
import { formatDuration, STAGE_TIMEOUTS_MS, within } from "./deadline.ts";
import { EnvironmentError } from "../../core/errors.ts";
import { withHostLock } from "./host-lock.ts";
import { debianAsRoot } from "./provision.ts";

export const MIRROR = "http://deb.debian.org/debian";

/** `bookworm-backports` builds on `bookworm`. */
export const baseSuite = (dist: string): string => dist.split("-")[0];

async function hasImage(d: Dockerode, tag: string): Promise<boolean> {
  return d.getImage(tag).inspect().then(() => true, () => false);
}

async function tryPull(d: Dockerode, tag: string, timeoutMs = 60_000): Promise<boolean> {
  try {
    const stream = await d.pull(tag);
    const pulled = new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    await within(timeoutMs, `pulling ${tag}`, pulled, { onTimeout: () => (stream as { destroy?: () => void }).destroy?.() });
    return hasImage(d, tag);
  } catch {
    return false;
  }
}

/** Runs a command to its end, or kills it (and fails, naming it) after `timeoutMs`. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs: number = STAGE_TIMEOUTS_MS.debootstrap): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
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

/**
 * What making a base image needs from the host; the real one talks to Docker, apt and
 * debootstrap, a test injects its own.
 */
export interface BaseImageHost {
  hasImage(tag: string): Promise<boolean>;
  pull(tag: string): Promise<boolean>;
  hasDebootstrap(): boolean;
  /** May debootstrap be installed here (Debian, as root)? */
  canInstall(): boolean;
  installDebootstrap(): Promise<void>;
  /** debootstrap `suite` and import it as `debian:<suite>`. */
  debootstrapImport(suite: string): Promise<void>;
  /** Host-wide (cross-process) lock, see host-lock.ts. */
  lock<T>(name: string, fn: () => Promise<T>, onWait: () => void): Promise<T>;
}

// apt waits this long for another apt/dpkg (the user's, unattended-upgrades) to let go of its locks.
const APT = ["-o", "DPkg::Lock::Timeout=600"];

export const dockerHost = (d: Dockerode): BaseImageHost => ({
  hasImage: (tag) => hasImage(d, tag),
  pull: (tag) => tryPull(d, tag),
  hasDebootstrap: () => existsSync("/usr/sbin/debootstrap"),
  canInstall: debianAsRoot,
  installDebootstrap: async () => {
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    await run("apt-get", [...APT, "install", "-y", "-q", "--no-install-recommends", "debootstrap"], env).catch(async () => {
      await run("apt-get", [...APT, "update", "-q"], env);
      await run("apt-get", [...APT, "install", "-y", "-q", "--no-install-recommends", "debootstrap"], env);
    });
  },
  debootstrapImport: async (suite) => {
    const dir = mkdtempSync(join(tmpdir(), `s2s-matrix-${suite}-`));
    try {
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
  },
  lock: (name, fn, onWait) => withHostLock(name, fn, onWait),
});

/**
 * One debootstrap install per process, under the host-wide "apt" lock: base images of
 * several suites are made at once, and parallel apt-get runs fail on apt's own lock.
 */
const installs = new WeakMap<BaseImageHost, Promise<void>>();
function ensureDebootstrap(host: BaseImageHost, suite: string, log: (s: string) => void): Promise<void> {
  if (host.hasDebootstrap()) return Promise.resolve();
  if (!host.canInstall()) {
    return Promise.reject(
      new EnvironmentError(`debian:${suite} is not present, cannot be pulled, and debootstrap is missing`, `docker pull debian:${suite}, or apt-get install debootstrap`),
    );
  }
  let p = installs.get(host);
  if (!p) {
    p = host.lock(
      "apt",
      async () => {
        if (host.hasDebootstrap()) return; // another process installed it meanwhile
        log("installing debootstrap from Debian…");
        await host.installDebootstrap().catch((e) => {
          throw new EnvironmentError(`installing debootstrap failed: ${(e as Error).message}`, "apt-get install debootstrap, or docker pull the debian base images");
        });
      },
      () => log("waiting for another s2s-matrix to finish installing debootstrap…"),
    );
    installs.set(host, p);
    p.catch(() => installs.delete(host));
  }
  return p;
}

const pending = new Map<string, Promise<void>>();
let realHost: BaseImageHost | undefined;

/**
 * Makes `debian:<suite>` present: local, else pulled, else debootstrapped. Asked for
 * concurrently (in this process or by others), it is made once.
 */
export function ensureBaseImage(suite: string, log: (s: string) => void = () => {}, host?: BaseImageHost): Promise<void> {
  const tag = `debian:${suite}`;
  const key = host ? undefined : tag; // injected hosts (tests) get no cross-call memo
  let p = key ? pending.get(key) : undefined;
  if (!p) {
    p = (async () => {
      const h = host ?? (realHost ??= dockerHost(await docker()));
      if (await h.hasImage(tag)) return;
      await h.lock(
        `base-${tag}`,
        async () => {
          if (await h.hasImage(tag)) return; // made by another process while this one waited
          if (await h.pull(tag)) return;
          await ensureDebootstrap(h, suite, log);
          log(`debian:${suite} cannot be pulled: building it with debootstrap from ${MIRROR} (~30 s)…`);
          await h.debootstrapImport(suite);
          if (!(await h.hasImage(tag))) throw new EnvironmentError(`importing ${tag} did not produce the image`);
        },
        () => log(`waiting for another s2s-matrix that is making ${tag}…`),
      );
    })();
    if (key) {
      pending.set(key, p);
      p.catch(() => pending.delete(key));
    }
  }
  return p;
}
