// Shared by the reliability tests: the real CLI as a child process, and the Docker
// objects a run leaves (or must not leave) behind, found by their labels.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { LABEL_RUN } from "../../harness/docker/labels.ts";
import type { InstanceConfig } from "../../harness/servers/adapter.ts";
import type { TestCa } from "../../ca/index.ts";
import { buildSilentProsodyImage, removeImage } from "../user-image.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "bin", "s2s-matrix.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRun {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
}

/**
 * Starts `node bin/s2s-matrix.js <args>` in the repository with CI=true. A child
 * still running after `timeoutMs` gets SIGINT (so that it cleans up), then SIGKILL.
 */
export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; shell?: string } = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", FORCE_COLOR: "0", ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const t0 = Date.now();
  const child = opts.shell
    ? spawn("sh", ["-c", `${opts.shell}; exec "$0" "$@"`, process.execPath, CLI, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b) => (stdout += b));
  child.stderr!.on("data", (b) => (stderr += b));
  const done = new Promise<CliResult>((resolve, reject) => {
    // A bound, not a speed check: under CI load one start through tsx took 7–9 s.
    const limit = opts.timeoutMs ?? 90_000;
    const soft = setTimeout(() => child.kill("SIGINT"), limit);
    const hard = setTimeout(() => child.kill("SIGKILL"), limit + 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(soft);
      clearTimeout(hard);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  return { child, stderr: () => stderr, done };
}

export const runCli = (args: string[], opts: Parameters<typeof startCli>[1] = {}): Promise<CliResult> => startCli(args, opts).done;

/** Kills a child that is still running (for cleanup after a failed assertion). */
export function killIfRunning(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms: number, every = 200): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(every);
  }
}

/**
 * A scenario whose run cannot finish, whatever the machine's speed: 4 cells, one
 * server (prosody@13.0.7) that works and one ("silent") whose container never starts
 * Prosody, far within its 120 s readiness bound. For tests that need a run still
 * going when they act (a signal, --timeout); 1 cell may finish, 3 never do.
 */
export async function neverFinishingScenario(dir: string): Promise<{ file: string; remove: () => void }> {
  const image = `s2s-matrix-test/silent-prosody:${process.pid}`;
  await buildSilentProsodyImage(image);
  const file = join(dir, "never-finishes.yaml");
  const yaml = ["name: A run with a server that never answers", "servers:", "  - prosody@13.0.7", `  - {name: silent, family: prosody, image: "${image}"}`];
  writeFileSync(file, [...yaml, "certificates: [dual-eku]", "dialback: [on]", "expect: {default: federates}", ""].join("\n"));
  return { file, remove: () => removeImage(image) };
}

export interface Labelled {
  containers: string[];
  networks: string[];
}

/** Containers (running or not) and networks that carry this run's label. */
export async function labelled(d: Dockerode, runId: string): Promise<Labelled> {
  const filter = { label: [`${LABEL_RUN}=${runId}`] };
  const containers = await d.listContainers({ all: true, filters: filter });
  const networks = await d.listNetworks({ filters: filter });
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, "") ?? c.Id), networks: networks.map((n) => n.Name) };
}

/** Removes whatever carries this run's label: the test's own safety net. */
export async function removeLabelled(d: Dockerode, runId: string): Promise<void> {
  const filter = { label: [`${LABEL_RUN}=${runId}`] };
  for (const c of await d.listContainers({ all: true, filters: filter })) await d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  for (const n of await d.listNetworks({ filters: filter })) await d.getNetwork(n.Id).remove().catch(() => {});
}

/**
 * Files in the repository (outside node_modules and .git, ignored ones included)
 * that look like key material: *.key, *.pem, *.crt, *.p12, *.pfx. Compared before
 * and after a run: a run must never leave one behind.
 */
export function keyLikeFilesInRepo(): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === ".git") continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (/\.(key|pem|crt|p12|pfx)$/i.test(e.name)) out.push(r);
    }
  };
  walk(ROOT, "");
  return out.sort();
}

/** One virtual host with a dual-EKU certificate from `ca` and the probe user: for tests that start an instance themselves. */
export async function oneHostConfig(ca: TestCa, domain: string, o: { dialback: "on" | "off"; password: string }): Promise<InstanceConfig> {
  return {
    vhosts: [{ domain, certificate: "dual-eku", dialback: o.dialback, tls: await ca.issue(domain, "dual-eku") }],
    users: [{ username: "probe", password: o.password }],
    trustedCa: ca.trustBundle,
    secureAuth: true,
  };
}
