// Runs cells on real servers: images, CA, network, containers, probes, and the
// re-run of unexpected cells. Everything it starts is labelled with the run id
// and removed before it returns, whatever happens.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCa, writeLeafFiles, type TestCa } from "../ca/index.ts";
import { docker } from "./docker/client.ts";
import { describeRemoved, removeDeadRuns, removeRun } from "./docker/cleanup.ts";
import { detectLayout, ensureServerImage } from "./docker/images.ts";
import { ensureDnsImage, startDns, type StartedDns } from "./docker/dns.ts";
import { runLabels } from "./docker/labels.ts";
import { startInstance, type StartedInstance, type StartOptions } from "./instance.ts";
import { startRelay, type StartedRelay } from "./capture/relay.ts";
import { captureCell } from "./capture/transcript.ts";
import { ensureRelayImage } from "./capture/image.ts";
import { linesFor } from "./docker/logbuffer.ts";
import { plan, type Isolation, type PlannedCell, type PlannedHost, type PlannedInstance, type Stage } from "./plan.ts";
import { busiestFirst, limiter, poolWhenReady, slowFirst } from "./schedule.ts";
import { connectionFailed, diagnose, hasVerdict, undecided } from "./probe/diagnose.ts";
import { DEFAULT_TIMEOUTS, LoginError, probePair, type ProbeTimeouts } from "./probe/probe.ts";
import { adapterFor } from "./servers/catalog.ts";
import { describeEntry, entryOf, type RunServers } from "./named-servers.ts";
import type { CatalogEntry, HostCertificate, InstanceConfig, VirtualHost } from "./servers/adapter.ts";
import type { Attempt, CellResult, CellSpec, Outcome } from "../core/types.ts";
import { judge } from "../core/judge.ts";

export interface RunOptions {
  runId: string;
  cells: CellSpec[];
  /** What runs under each name the cells use; without it (or for a name it lacks) the name is a catalog `family@version`. */
  runServers?: RunServers;
  isolation?: Isolation;
  concurrency?: number;
  timeouts?: ProbeTimeouts;
  readyTimeoutMs?: number;
  /** Re-run each unexpected cell once in fresh virtual hosts (default true). */
  retryUnexpected?: boolean;
  /**
   * Keep the run's CA and leaf keys in this directory (0700, keys 0600). Without it
   * no key touches the disk: they live in memory and inside the run's containers.
   */
  keepKeysDir?: string;
  /**
   * Put the TLS-intercepting relay between the servers: every domain resolves to
   * it and it records each s2s negotiation decrypted (harness/capture/).
   */
  capture?: boolean;
  /** Operator config files (scenario `config:`) by server name (CellSide.server): the adapter's base. */
  baseConfigs?: Record<string, { file: string; text: string }>;
  log?: (s: string) => void;
  onCellStart?: (spec: CellSpec) => void;
  onCellDone?: (result: CellResult) => void;
}

export interface RunStats {
  containersStarted: number;
  instances: string[];
}

// Cells mostly wait on the network; measured on 2 cores, 8 per core beat 3 per core by ~25 %.
export const defaultConcurrency = (): number => Math.min(32, Math.max(2, availableParallelism() * 8));

// Measured on 2 cores (LE scenario): 4 boots per core beat booting all 14 servers at once.
export const bootConcurrency = (): number => Math.max(2, availableParallelism() * 4);

/**
 * What a boot weighs against bootConcurrency: one slot per 30 virtual hosts. Eight
 * boots of 60–120 hosts at once took 75–200 s each on two cores and one missed its
 * readiness bound; servers boot on the CPU, so fewer at once are each ready sooner.
 */
export const bootWeight = (hosts: number): number => Math.max(1, hosts / 30);

/** Runs `fn` over items with at most `n` at a time, keeping order of results. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

const outcomeOf = (a: Attempt) => `${a.outcome}/${a.probe?.auth.outbound ?? "-"}`;

/**
 * An unexpected cell ran twice: the same outcome and auth method twice stands,
 * anything else is flaky; a first attempt that decided nothing (undecided) leaves
 * the verdict to the second, and both stay in the cell's attempts.
 */
export function settle(first: Attempt, second: Attempt): Outcome {
  if (undecided(first)) return second.outcome;
  return outcomeOf(first) === outcomeOf(second) ? second.outcome : "flaky";
}

export async function runCells(opts: RunOptions): Promise<{ results: CellResult[]; stats: RunStats }> {
  const log = opts.log ?? (() => {});
  const isolation = opts.isolation ?? "vhost";
  const concurrency = Math.max(1, opts.concurrency ?? defaultConcurrency());
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const stats: RunStats = { containersStarted: 0, instances: [] };

  const d = await docker();
  const leftovers = await removeDeadRuns();
  if (leftovers.containers.length || leftovers.networks.length) log(`leftovers of dead runs: ${describeRemoved(leftovers)}`);

  // Images first, all in parallel: a build failure stops the run before any server starts.
  const entries = new Map<string, CatalogEntry>();
  for (const c of opts.cells) for (const s of [c.initiator.server, c.receiver.server]) entries.set(s, entryOf(s, opts.runServers));
  const images = new Map<string, string>();
  await Promise.all(
    [...entries].map(async ([key, entry]) => {
      const image = await ensureServerImage(entry, adapterFor(entry.family), log);
      images.set(key, image);
      // A user image without `layout:` is read for it once present.
      if (entry.source.kind === "image" && !entry.source.layout) {
        const layout = await detectLayout(image);
        entries.set(key, { ...entry, source: { ...entry.source, layout } });
        log(`${key}: ${describeEntry(entry)}, layout ${layout} (${layout === "debian" ? "built FROM an s2s-matrix Debian image" : "the project's own layout"}; set layout: to override)`);
      }
    }),
  );
  const familyOf = (server: string) => adapterFor(entries.get(server)!.family);

  await Promise.all([ensureDnsImage(log), opts.capture ? ensureRelayImage(log) : undefined]);
  const networkName = `s2s-matrix-${opts.runId}`;
  // Made at the top of the try below, the one cleanup scope: a failure right
  // after the network exists (the CA, the name server) still removes it all.
  let ca!: TestCa;
  let nameServerStarting: Promise<StartedDns> | undefined;
  const password = randomBytes(9).toString("base64url");
  const running = new Set<StartedInstance>();
  const installed = new Map<string, string>();

  const relays = new Set<StartedRelay>();
  const issuing = limiter(1);
  // What an operator's config lost is said once per server, not once per instance.
  const noticed = new Set<string>();
  const notice = (s: string) => noticed.has(s) || (noticed.add(s), log(s));
  /** Starts a stage's relay, then boots its servers in parallel without waiting for them: one promise per instance. */
  const startStage = async (stage: Stage): Promise<{ starts: Map<string, Promise<StartedInstance>>; relay?: StartedRelay }> => {
    const tls = new Map<string, HostCertificate>();
    // Certificates one instance at a time, busiest first: the first server boots
    // after its own certificates, not after all of the stage's (392 take ~2 s).
    const issue = (hosts: PlannedHost[]) =>
      issuing(async () => {
        for (const [domain, c] of await issueCertificates(hosts.filter((h) => !tls.has(h.domain)), ca, opts.keepKeysDir)) tls.set(domain, c);
      });
    const dns = async () => [(await nameServerStarting!).ip];
    let relay: StartedRelay | undefined;
    if (opts.capture) {
      // The relay presents every domain's certificate: all of them first.
      await issue(stage.instances.flatMap((pi) => pi.hosts));
      const hosts = stage.instances.flatMap((pi) => pi.hosts.map((h) => ({ domain: h.domain, tls: tls.get(h.domain)!, upstream: upstreamAlias(h.domain) })));
      relay = await startRelay({ runId: opts.runId, network: networkName, hosts, trustedCa: ca.trustBundle, log, key: `relay-${stage.instances[0]?.key ?? ""}`, dns: await dns() });
      relays.add(relay);
    }
    const startOpts = { runId: opts.runId, network: networkName, readyTimeoutMs, log, notice, aliases: opts.capture ? (d: string) => [upstreamAlias(d)] : undefined };
    // A stage's boots compete for the CPU: the servers most cells wait for boot
    // first, the others (e.g. the second instances for self-pairs) while cells run.
    const booting = limiter(bootConcurrency());
    const starts = new Map<string, Promise<StartedInstance>>();
    for (const pi of busiestFirst(stage.instances, stage.cells)) {
      const certified = issue(pi.hosts);
      // An operator's config: given to runCells directly (API), else the scenario's `config:` of the server's name.
      const baseConfig = opts.baseConfigs?.[pi.server] ?? opts.runServers?.get(pi.server)?.config;
      const p = booting(async () => (await certified, startPlanned(pi, entries, images, tls, ca.trustBundle, password, baseConfig, { ...startOpts, dns: await dns() })), bootWeight(pi.hosts.length)).then((inst) => {
        running.add(inst);
        installed.set(pi.server, inst.installedVersion);
        stats.containersStarted++;
        stats.instances.push(pi.key);
        return inst;
      });
      p.catch(() => {}); // observed by the cells that wait for it, and by the stage's teardown
      starts.set(pi.key, p);
    }
    return { starts, relay };
  };
  const stopAll = async (instances: Iterable<StartedInstance>) => {
    await Promise.all([...instances].map(async (i) => (running.delete(i), i.stop())));
  };

  /**
   * Runs a stage's cells, each as soon as both its servers are up; each attempt is
   * handed on when its cell is done (progress). A server that fails to start stops
   * the stage: cells already running finish, then its error is thrown.
   */
  const runStage = async (stage: Stage, report: boolean, onAttempt: (spec: CellSpec, a: Attempt) => void): Promise<void> => {
    const { starts, relay } = await startStage(stage);
    const both = (cell: PlannedCell) => Promise.all([starts.get(cell.initiator.instance)!, starts.get(cell.receiver.instance)!]);
    // A server whose last cell is done is removed at once, behind the cells still running.
    const cellsLeft = new Map<string, number>();
    for (const c of stage.cells) for (const k of [c.initiator.instance, c.receiver.instance]) cellsLeft.set(k, (cellsLeft.get(k) ?? 0) + 1);
    const early: Promise<void>[] = [];
    try {
      await poolWhenReady(stage.cells, isolation === "vhost" ? concurrency : 1, both, async (cell) => {
        if (report) opts.onCellStart?.(cell.spec);
        const [ia, ib] = await both(cell);
        onAttempt(cell.spec, await runCell(cell, ia, ib, ca.trustBundle, timeouts, relay));
        for (const [k, inst] of [[cell.initiator.instance, ia], [cell.receiver.instance, ib]] as const) {
          cellsLeft.set(k, cellsLeft.get(k)! - 1);
          if (cellsLeft.get(k) === 0) early.push(stopAll([inst]));
        }
      });
    } finally {
      await Promise.all(early);
      // A server still booting is waited for, so that nothing started is left behind.
      const settled = await Promise.allSettled(starts.values());
      await stopAll(settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
      if (relay) await (relays.delete(relay), relay.stop());
    }
  };

  const runRound = async (specs: CellSpec[], prefix: string, report: boolean, onAttempt?: (spec: CellSpec, a: Attempt) => void) => {
    // Numbers (domains) follow the scenario; the order only puts slow cells first, in both modes.
    const numbered = slowFirst(specs.map((spec) => ({ spec, n: opts.cells.indexOf(spec) + 1 })));
    const stages = plan(numbered, {
      isolation,
      prefix,
      maxVirtualHosts: (server) => familyOf(server).maxVirtualHosts,
      serverWideKey: (server, host) => familyOf(server).serverWideKey?.(host),
    });
    if (isolation === "vhost") {
      const keys = stages[0].instances.map((i) => i.key);
      log(`starting ${keys.length} containers for ${specs.length} cells: ${keys.join(", ")}`);
    }
    const all = new Map<CellSpec, Attempt>();
    // Isolated mode: each stage is one cell on its own two containers; a few at once.
    await pool(stages, isolation === "vhost" ? 1 : Math.max(1, Math.floor(concurrency / 2)), (stage) =>
      runStage(stage, report, (spec, a) => {
        all.set(spec, a);
        onAttempt?.(spec, a);
      }),
    );
    return all;
  };

  try {
    const creatingCa = createCa({ tld: "example" });
    creatingCa.catch(() => {}); // awaited below
    await d.createNetwork({ Name: networkName, Driver: "bridge", Labels: runLabels(opts.runId), CheckDuplicate: true });
    // One name server per run (docker/dns.ts), starting while the CA is made.
    nameServerStarting = startDns({ runId: opts.runId, network: networkName, log });
    nameServerStarting.catch(() => {}); // awaited by the first server, and at the end
    ca = await creatingCa;
    if (opts.keepKeysDir) await keepCa(opts.keepKeysDir, ca);

    const first = new Map<CellSpec, Attempt>();
    const results = new Map<CellSpec, CellResult>();
    await runRound(opts.cells, "c", true, (spec, a) => {
      first.set(spec, a);
      const r = toResult(spec, [a], a.outcome, installed);
      results.set(spec, r);
      if (r.asExpected || opts.retryUnexpected === false) opts.onCellDone?.(r);
    });
    const unexpected = opts.cells.filter((c) => !results.get(c)!.asExpected);
    if (unexpected.length && opts.retryUnexpected !== false) {
      log(`re-running ${unexpected.length} unexpected cell(s) once in fresh virtual hosts`);
      const second = await runRound(unexpected, "r", false);
      for (const spec of unexpected) {
        const a = first.get(spec)!;
        const b = second.get(spec)!;
        const r = toResult(spec, [a, b], settle(a, b), installed);
        results.set(spec, r);
        opts.onCellDone?.(r);
      }
    }
    return { results: opts.cells.map((c) => results.get(c)!), stats };
  } finally {
    await stopAll([...running]);
    await Promise.all([...relays].map((r) => r.stop()));
    await nameServerStarting?.then((ns) => ns.stop(), () => {});
    await d.getNetwork(networkName).remove().catch(() => {});
    await removeRun(opts.runId).catch(() => {});
  }
}

/** `--keep`: the CA's own certificate and key beside the leaves, owner-only. */
async function keepCa(dir: string, ca: TestCa): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(join(dir, "ca.crt"), ca.cert);
  await writeFile(join(dir, "ca.key"), ca.key, { mode: 0o600 });
}

/** Certificates for the given hosts (and with --keep, their files). */
async function issueCertificates(hosts: PlannedHost[], ca: TestCa, keepKeysDir: string | undefined): Promise<Map<string, HostCertificate>> {
  const issued = await Promise.all(
    hosts.map(async (h) => {
      const tls = await ca.issue(h.domain, h.certificate);
      if (keepKeysDir) await writeLeafFiles(keepKeysDir, h.domain, tls, ca.trustBundle);
      return [h.domain, tls] as const;
    }),
  );
  return new Map(issued);
}

/** With --capture a server answers to `upstream.<domain>`; the domain itself is the relay's. */
const upstreamAlias = (domain: string) => `upstream.${domain}`;

async function startPlanned(
  pi: PlannedInstance,
  entries: Map<string, CatalogEntry>,
  images: Map<string, string>,
  tls: Map<string, HostCertificate>,
  trustedCa: string,
  password: string,
  baseConfig: InstanceConfig["baseConfig"],
  opts: StartOptions,
): Promise<StartedInstance> {
  const entry = entries.get(pi.server)!;
  const vhosts: VirtualHost[] = pi.hosts.map((h) => ({ ...h, tls: tls.get(h.domain)! }));
  const config: InstanceConfig = { vhosts, users: [{ username: "probe", password }], trustedCa, secureAuth: true, ...(baseConfig ? { baseConfig } : {}) };
  return startInstance({ key: pi.key, server: pi.server, entry, adapter: adapterFor(entry.family), image: images.get(pi.server)!, config }, opts);
}

/** Longest wait for a working cell's log verdicts; the wait ends as soon as both are read. */
const VERDICT_WAIT_MS = 5_000;

/** Probes one cell and reads both servers' logs for its domains. */
async function runCell(
  cell: PlannedCell,
  ia: StartedInstance,
  ib: StartedInstance,
  ca: string,
  timeouts: ProbeTimeouts,
  relay?: StartedRelay,
): Promise<Attempt> {
  const domains = { initiator: cell.initiator.domain, receiver: cell.receiver.domain };
  const settings = { initiator: ia.settingsFor(domains.initiator), receiver: ib.settingsFor(domains.receiver) };
  const marks = [ia.logs.mark(), ib.logs.mark(), relay?.logs.mark() ?? 0];
  const t0 = Date.now();
  /** "server X is no longer running", or undefined when both are up. */
  const deadServers = async (): Promise<string | undefined> => {
    const dead = (await Promise.all([...new Set([ia, ib])].map(async (i) => ((await i.alive()) ? "" : i.spec.key)))).filter(Boolean);
    return dead.length ? `server ${dead.join(", ")} is no longer running` : undefined;
  };
  try {
    const names = [domains.initiator, domains.receiver];
    /** Both servers' lines about this cell so far, and the auth events in them. */
    const read = () => {
      const la = linesFor(ia.logs.since(marks[0]), names);
      const lb = ia === ib ? [] : linesFor(ib.logs.since(marks[1]), names);
      return { la, lb, ea: ia.spec.adapter.parseAuthEvents(la), eb: ib.spec.adapter.parseAuthEvents(lb) };
    };
    // B's log says when its connection back to A failed: no ping reply can come after that.
    const replyPathFailed = () =>
      connectionFailed(read().eb, domains.receiver, domains.initiator)
        ? `no reply: ${domains.receiver} logged that its connection to ${domains.initiator} failed`
        : undefined;
    const { message, ping } = await probePair(ia.endpoint(domains.initiator), ib.endpoint(domains.receiver), ca, timeouts, ia === ib ? undefined : replyPathFailed);
    // A server that died during the probe explains a bounce or a timeout ("connection
    // refused"): that is no federation verdict, the cell is an error naming it.
    if (message.status !== "delivered" || ping.status !== "result") {
      const dead = await deadServers();
      if (dead) return { outcome: "error", error: dead, domains, settings, durationMs: Date.now() - t0 };
    }
    // The servers' lines about what just happened reach us a moment after the probe
    // ends: on a cell that worked, wait for both receivers' verdicts (on two loaded
    // cores ejabberd's came >250 ms late, and the cell read as dialback); else 250 ms.
    const verdictDue = message.status === "delivered" && ping.status === "result" && !relay && ia !== ib;
    const complete = (r: ReturnType<typeof read>) =>
      verdictDue && hasVerdict(r.eb, domains.initiator, domains.receiver) && hasVerdict(r.ea, domains.receiver, domains.initiator);
    const until = Date.now() + (verdictDue ? VERDICT_WAIT_MS : 250);
    let r = read();
    while (!complete(r) && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 25));
      r = read();
    }
    const { la, lb } = r;
    // The receiver's words first: it is the side that judged the certificate.
    const events = [...r.eb, ...r.ea];
    const diag = diagnose(events, domains.initiator, domains.receiver, message, ping);
    // Delivered but unanswered: the reply path receiver → initiator is refused.
    const outcome: Outcome = message.status !== "delivered" ? "fails" : ping.status === "result" ? "federates" : "one-way";
    const logs = [...la.map((l) => `[${ia.spec.key}] ${l}`), ...lb.map((l) => `[${ib.spec.key}] ${l}`)];
    const capture = relay ? captureCell(relay.logs.since(marks[2]), domains) : undefined;
    return { outcome, domains, settings, durationMs: Date.now() - t0, probe: { message, ping, auth: diag.auth, reason: diag.reason, events, logs }, capture };
  } catch (e) {
    const dead = await deadServers();
    const error = dead ?? (e instanceof LoginError ? e.message : `harness error: ${(e as Error).message}`);
    return { outcome: "error", error, domains, settings, durationMs: Date.now() - t0 };
  }
}

function toResult(spec: CellSpec, attempts: Attempt[], outcome: Outcome, installed: Map<string, string>): CellResult {
  const last = attempts[attempts.length - 1];
  const p = last.probe;
  const auth = p?.auth ?? { outbound: "none" as const, inbound: "none" as const };
  const verdict = judge(spec.expected, { outcome, auth, ping: p?.ping, reason: p?.reason ?? last.error });
  return {
    spec,
    installed: {
      initiator: installed.get(spec.initiator.server) ?? spec.initiator.server,
      receiver: installed.get(spec.receiver.server) ?? spec.receiver.server,
    },
    outcome,
    attempts,
    auth,
    message: p?.message,
    ping: p?.ping,
    reason: p?.reason ?? last.error,
    logs: p?.logs ?? [],
    error: last.error,
    capture: last.capture,
    ...(last.settings ? { settings: last.settings } : {}),
    asExpected: verdict.asExpected,
    mismatch: verdict.mismatch,
    durationMs: attempts.reduce((s, a) => s + a.durationMs, 0),
  };
}

