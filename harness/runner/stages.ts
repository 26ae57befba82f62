// A stage (plan.ts) on real servers: its certificates, its relay, its boots, and
// its cells, each as soon as both its servers are up. A server whose container
// dies is restarted once for the cells still waiting on it (cells in flight end
// as `error` with the cause); a second death of it stops the run (slots.ts).
import { writeLeafFiles, type TestCa } from "../../ca/index.ts";
import type { StartedRelay } from "../capture/relay.ts";
import { startRelay } from "../capture/relay.ts";
import { docker } from "../docker/client.ts";
import { LABEL_RUN } from "../docker/labels.ts";
import { startInstance, type StartedInstance, type StartOptions } from "../instance.ts";
import type { PlannedCell, PlannedHost, PlannedInstance, Stage } from "../plan.ts";
import type { ProbeTimeouts } from "../probe/probe.ts";
import { bootWeight, busiestFirst, limiter, poolWhenReady, queuesFirst, turns } from "../schedule.ts";
import { adapterFor } from "../servers/catalog.ts";
import type { CatalogEntry, HostCertificate, InstanceConfig, VirtualHost } from "../servers/adapter.ts";
import type { Attempt, CellSpec } from "../../core/types.ts";
import { runCell } from "./cell.ts";
import type { Environment } from "./environment.ts";
import { RunFaults, ServerDied } from "./faults.ts";
import { Slots, type Generation } from "./slots.ts";
import type { Span, Timings } from "./timings.ts";

export interface StageOptions {
  runId: string;
  readyTimeoutMs: number;
  /** Cells probed at once within a stage. */
  concurrency: number;
  timeouts: ProbeTimeouts;
  capture: boolean;
  keepKeysDir?: string;
  /** Boots at once within a stage. */
  bootConcurrency: number;
  /** An operator's config (scenario `config:`) for a server name. */
  baseConfigOf: (server: string) => InstanceConfig["baseConfig"] | undefined;
  log: (s: string) => void;
  /** Where the run's time goes: each boot, the certificates, the cells. */
  timings: Timings;
}

export interface RunStats {
  containersStarted: number;
  instances: string[];
  /** The run's phases (runner/timings.ts); the run adds its own (network, name server, CA, teardown). */
  timings: Span[];
}

/** What a stage does to the outside world: Docker, the CA, the probe. Tests give fakes. */
export interface StageDeps {
  issueCertificates: typeof issueCertificates;
  startPlanned: typeof startPlanned;
  removeInstanceContainers: typeof removeInstanceContainers;
  startRelay: typeof startRelay;
  runCell: typeof runCell;
}

/** The real parts a stage reaches Docker, the CA, the relay and the probe through. */
export const STAGE_DEPS: StageDeps = { issueCertificates, startPlanned, removeInstanceContainers, startRelay, runCell };

/** With --capture a server answers to `upstream.<domain>`; the domain itself is the relay's. */
export const upstreamAlias = (domain: string) => `upstream.${domain}`;

/** Runs stages; keeps what every stage shares (servers running, versions installed, counts). */
export class Stages {
  readonly stats: RunStats;
  /** Server name → installed version. */
  readonly installed = new Map<string, string>();
  private running = new Set<StartedInstance>();
  /** Relay → its instance key (its container's label). */
  private relays = new Map<StartedRelay, string>();
  private issuing = limiter(1);
  // What an operator's config lost is said once per server, not once per instance.
  private noticed = new Set<string>();
  /** Image → installed version: read in the first container of each image only. */
  private versions = new Map<string, string>();

  constructor(
    private env: Environment,
    private faults: RunFaults,
    private opts: StageOptions,
    private deps: StageDeps = STAGE_DEPS,
  ) {
    this.stats = { containersStarted: 0, instances: [], timings: opts.timings.spans };
  }

  private notice = (s: string) => this.noticed.has(s) || (this.noticed.add(s), this.opts.log(s));

  /** Stops an instance the harness is done with (its death is then no fault). */
  private async stop(inst: StartedInstance): Promise<void> {
    this.faults.expectStop(inst.spec.key);
    this.running.delete(inst);
    await inst.stop();
  }

  /** Everything still running (the run's end, whatever ended it). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((i) => this.stop(i)));
    await Promise.all([...this.relays].map(([r, key]) => (this.faults.expectStop(key), r.stop())));
  }

  /**
   * Certificates (one instance at a time, busiest first) and, with --capture, the
   * stage's relay: started once every certificate is issued, while the servers boot
   * (the first cell needs it, the first boot does not).
   */
  private prepare(stage: Stage): { certified: (pi: PlannedInstance) => Promise<void>; tls: Map<string, HostCertificate>; relay?: Promise<StartedRelay> } {
    const { env, opts } = this;
    const tls = new Map<string, HostCertificate>();
    // The first server boots after its own certificates, not after all of the stage's (392 take ~2 s).
    const issue = (hosts: PlannedHost[]) =>
      this.issuing(async () => {
        const since = opts.timings.mark();
        for (const [domain, c] of await this.deps.issueCertificates(hosts.filter((h) => !tls.has(h.domain)), env.ca, opts.keepKeysDir)) tls.set(domain, c);
        opts.timings.cover("certificates", since);
      });
    const issued = new Map<string, Promise<void>>();
    const certified = (pi: PlannedInstance) => {
      if (!issued.has(pi.key)) issued.set(pi.key, issue(pi.hosts));
      return issued.get(pi.key)!;
    };
    if (!opts.capture) return { certified, tls };
    const relay = (async () => {
      // The relay presents every domain's certificate; they are issued in the order the servers boot.
      await Promise.all(busiestFirst(stage.instances, stage.cells).map(certified));
      const hosts = stage.instances.flatMap((pi) => {
        const tickets = adapterFor(env.entries.get(pi.server)!.family).sessionTickets ?? "small";
        return pi.hosts.map((h) => ({ domain: h.domain, tls: tls.get(h.domain)!, upstream: upstreamAlias(h.domain), tickets }));
      });
      const key = `relay-${stage.instances[0]?.key ?? ""}`;
      this.faults.expectRunning(key);
      const started = await this.faults.race(this.deps.startRelay({ runId: opts.runId, network: env.network, hosts, trustedCa: env.ca.trustBundle, log: opts.log, key, dns: await env.dns() }));
      this.relays.set(started, key);
      return started;
    })();
    relay.catch(() => {}); // observed by the cells that wait for it, and by the teardown
    return { certified, tls, relay };
  }

  /**
   * Runs a stage's cells, each as soon as both its servers are up; each attempt is
   * handed on when its cell is done (progress). A server that fails to start stops
   * the stage: cells already running finish, then its error is thrown.
   */
  async run(stage: Stage, onCellStart: ((spec: CellSpec) => void) | undefined, onAttempt: (spec: CellSpec, a: Attempt) => void): Promise<void> {
    const { faults, opts } = this;
    const { certified, tls, relay } = this.prepare(stage);
    const slots = new Slots(stage, faults, {
      boot: this.booter(certified, tls),
      stop: (inst) => this.stop(inst),
      clear: async (pi, dead) => {
        faults.expectStop(pi.key);
        if (dead) await this.stop(dead);
        await this.deps.removeInstanceContainers(opts.runId, pi.key);
        faults.expectRunning(pi.key);
      },
      log: opts.log,
    });
    const early: Promise<void>[] = [];
    try {
      // A quiet self-pair's cells take turns on their two containers (plan.ts); when a
      // turn comes, that cell goes before the others, or the queue would end the run.
      const queued = turns(stage.cells, (cell) => cell.queue);
      const ready = (cell: PlannedCell) => Promise.all([slots.both(cell), queued.turn(cell), relay]);
      const probe = async (cell: PlannedCell) => {
        onCellStart?.(cell.spec);
        const [ga, gb] = await slots.both(cell);
        slots.begin(cell);
        const since = opts.timings.mark();
        try {
          onAttempt(cell.spec, await this.attempt(cell, ga, gb, await relay));
        } finally {
          opts.timings.cover("cells", since);
          // A server whose last cell is done is removed at once, behind the cells still running.
          for (const inst of slots.end(cell)) early.push(this.stop(inst));
        }
      };
      await poolWhenReady(queuesFirst(stage.cells), opts.concurrency, ready, (cell) => probe(cell).finally(() => queued.done(cell)));
    } finally {
      slots.close();
      // The relay goes with the last servers, not after them: the cells are done.
      await Promise.all([this.stopServers(slots, early), relay && this.stopRelay(relay)]);
    }
  }

  private async stopServers(slots: Slots, early: Promise<void>[]): Promise<void> {
    await Promise.all(early);
    // A server still booting is waited for (its generation ends when the run does), so that nothing started is left behind.
    await Promise.all((await slots.settled()).filter((i) => this.running.has(i)).map((i) => this.stop(i)));
  }

  /** A relay still starting is waited for too, then stopped. */
  private async stopRelay(relay: Promise<StartedRelay>): Promise<void> {
    const started = await relay.catch(() => undefined);
    if (!started) return;
    this.faults.expectStop(this.relays.get(started)!);
    this.relays.delete(started);
    await started.stop();
  }

  /**
   * A stage's boots compete for the CPU: the servers most cells wait for boot
   * first, the others (e.g. the second instances for self-pairs) while cells run.
   */
  private booter(certified: (pi: PlannedInstance) => Promise<void>, tls: Map<string, HostCertificate>): (pi: PlannedInstance) => Promise<StartedInstance> {
    const { env, faults, opts } = this;
    const startOpts: StartOptions = {
      runId: opts.runId,
      network: env.network,
      readyTimeoutMs: opts.readyTimeoutMs,
      log: opts.log,
      notice: this.notice,
      aliases: opts.capture ? (d: string) => [upstreamAlias(d)] : undefined,
      versions: this.versions,
    };
    const booting = limiter(opts.bootConcurrency);
    return (pi) =>
      booting(async () => {
        // The run is ending: nothing new is started for it.
        if (faults.failed) throw faults.failed;
        await certified(pi);
        // Keys repeat across rounds (the re-run's `prosody@0.12.3#1`): this container's death counts again.
        faults.expectRunning(pi.key);
        const dns = await env.dns();
        const inst = await opts.timings.time(`boot ${pi.key}`, () => this.deps.startPlanned(pi, env, tls, opts.baseConfigOf(pi.server), { ...startOpts, dns }));
        this.running.add(inst);
        this.installed.set(pi.server, inst.installedVersion);
        this.stats.containersStarted++;
        this.stats.instances.push(pi.key);
        return inst;
      }, bootWeight(pi.hosts.length));
  }

  /** One attempt of a cell; a death of one of its servers under it makes it an interrupted `error`. */
  private async attempt(cell: PlannedCell, ga: Generation, gb: Generation, relay?: StartedRelay): Promise<Attempt> {
    const { faults, opts, env } = this;
    const domains = { initiator: cell.initiator.domain, receiver: cell.receiver.domain };
    const t0 = Date.now();
    const interrupted = (e: unknown): Attempt => {
      if (!(e instanceof ServerDied)) throw e;
      return { outcome: "error", error: `${e.message} while the cell ran`, interrupted: true, domains, durationMs: Date.now() - t0 };
    };
    let a = await faults.race(Promise.race([this.deps.runCell(cell, ga.instance!, gb.instance!, env.ca.trustBundle, opts.timeouts, relay), ga.died, gb.died])).catch(interrupted);
    if (a.outcome === "error" && !a.interrupted) {
      // The probe may have seen the death before the watch reported it: the cause, not the symptom.
      await faults.quiet();
      if (faults.failed) throw faults.failed;
      a = await Promise.race([ga.died, gb.died, Promise.resolve(a)]).catch(interrupted);
    }
    const restarted = [ga, gb].find((g) => g.restartedAfter);
    if (restarted) a = { ...a, note: `ran on ${restarted.instance!.spec.key} restarted after: ${restarted.restartedAfter}` };
    return a;
  }
}

/** Removes what is left of an instance's container (killed, not removed) so that its restart can take the name. */
async function removeInstanceContainers(runId: string, key: string): Promise<void> {
  const d = await docker();
  const list = await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`, `s2s-matrix.instance=${key}`] } });
  await Promise.all(list.map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})));
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

async function startPlanned(pi: PlannedInstance, env: Environment, tls: Map<string, HostCertificate>, baseConfig: InstanceConfig["baseConfig"], opts: StartOptions): Promise<StartedInstance> {
  const entry: CatalogEntry = env.entries.get(pi.server)!;
  const vhosts: VirtualHost[] = pi.hosts.map((h) => ({ ...h, tls: tls.get(h.domain)! }));
  const config: InstanceConfig = { vhosts, users: [{ username: "probe", password: env.password }], trustedCa: env.ca.trustBundle, secureAuth: true, ...(baseConfig ? { baseConfig } : {}) };
  return startInstance({ key: pi.key, server: pi.server, entry, adapter: adapterFor(entry.family), image: env.images.get(pi.server)!, config }, opts);
}
