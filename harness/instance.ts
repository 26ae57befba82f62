// One running server container: configured through its adapter, reachable on a
// mapped c2s port, its log streamed into memory, ready once a client logs in.
import { Wait, type StartedTestContainer } from "testcontainers";
import { RunContainer } from "./docker/dns.ts";
import type { CatalogEntry, InstanceConfig, ServerAdapter } from "./servers/adapter.ts";
import { LogBuffer } from "./docker/logbuffer.ts";
import { clearFailedStart } from "./docker/failed-start.ts";
import { login, stopQuietly, type Endpoint } from "./probe/probe.ts";
import { EnvironmentError } from "../core/errors.ts";
import { readinessBound, STAGE_TIMEOUTS_MS, within } from "./docker/deadline.ts";
import { runLabels } from "./docker/labels.ts";
import { docker, publishAddress } from "./docker/client.ts";
import { isStopping } from "./docker/cleanup.ts";
import { serverKey } from "./servers/catalog.ts";
import { verifiableAsServer } from "../ca/profiles.ts";
import { imageVersion } from "./image-version.ts";

export interface InstanceSpec {
  /** Unique within the run, e.g. `prosody@0.12.3#1`. */
  key: string;
  /** The server's name in the run's cells (`ours`, `prosody@0.12.3`); default `family@version`. */
  server?: string;
  entry: CatalogEntry;
  adapter: ServerAdapter;
  image: string;
  config: InstanceConfig;
}

export interface StartedInstance {
  spec: InstanceSpec;
  container: StartedTestContainer;
  logs: LogBuffer;
  installedVersion: string;
  endpoint(domain: string): Endpoint;
  /** The s2s settings in force for one of its virtual hosts (the adapter's report). */
  settingsFor(domain: string): Record<string, string>;
  /** Whether the container is still running (a crash turns its cells into errors). */
  alive(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface StartOptions {
  runId: string;
  network: string;
  readyTimeoutMs: number;
  log: (s: string) => void;
  /** Network aliases of a virtual host; default the domain itself (with the capture relay: `upstream.<domain>`). */
  aliases?: (domain: string) => string[];
  /** The run's name server (docker/dns.ts). */
  dns?: string[];
  /** Where what the adapter overrode in an operator's config is said (default: log). */
  notice?: (s: string) => void;
  /** Bound of the version check inside the container (default STAGE_TIMEOUTS_MS.versionCheck). */
  versionTimeoutMs?: number;
  /** Image → installed version, for the run: the version check runs once per image (image-version.ts). */
  versions?: Map<string, string>;
}

const containerName = (runId: string, key: string) =>
  `s2s-matrix-${runId}-${key.replace(/[^a-zA-Z0-9_.-]/g, "-")}`.slice(0, 120);

export async function startInstance(spec: InstanceSpec, opts: StartOptions): Promise<StartedInstance> {
  const { adapter, entry, config } = spec;
  const rendered = adapter.render(entry, config);
  for (const n of rendered.notices ?? []) (opts.notice ?? opts.log)(`notice: ${n}`);
  const logs = new LogBuffer();
  const t0 = Date.now();
  const readyMs = readinessBound(opts.readyTimeoutMs, config.vhosts.length);
  let container = new RunContainer(spec.image)
    .withDns(opts.dns)
    .withName(containerName(opts.runId, spec.key))
    .withLabels({ ...runLabels(opts.runId), "s2s-matrix.server": spec.server ?? serverKey(entry), "s2s-matrix.instance": spec.key })
    .withRunNetwork(opts.network, config.vhosts.flatMap((v) => opts.aliases?.(v.domain) ?? [v.domain]))
    // Only where the harness reaches it (127.0.0.1 when the engine is local): nobody else may log in during a run.
    .withPublishedPort(adapter.c2sPort, publishAddress())
    .withCopyContentToContainer(rendered.files.map((f) => ({ content: f.content, target: f.path, mode: f.mode })))
    .withLogConsumer((stream) => logs.attach(stream))
    .withWaitStrategy(
      adapter.readyLogLine ? Wait.forLogMessage(adapter.readyLogLine(entry)) : Wait.forSuccessfulCommand(adapter.readyCommand(entry)),
    )
    .withStartupTimeout(readyMs);
  if (rendered.env) container = container.withEnvironment(rendered.env);
  if (rendered.command) container = container.withCommand(rendered.command);

  const rejected = () => {
    const file = config.baseConfig?.file;
    return new EnvironmentError(
      `${spec.key} stopped while starting` +
        (file ? `: the server rejected the configuration made from ${file}` : "") +
        `\n--- its own last log lines ---\n${logs.tail(30).join("\n")}`,
      file
        ? `correct ${file} where the server's lines above say (what the harness overrode is listed as notices before them)`
        : "read the server's log lines above",
    );
  };
  const notReady = (why: string) =>
    new EnvironmentError(
      `${spec.key} did not become ready within ${readyMs / 1000} s: ${why}\n--- last log lines of ${spec.key} ---\n${logs.tail(30).join("\n")}`,
      "read the server's log lines above; a configuration the server rejects shows there",
    );

  let started: StartedTestContainer;
  // Interrupted: the signal handler is removing the run's containers; do not add one.
  if (isStopping(opts.runId)) throw new EnvironmentError(`${spec.key} not started: run ${opts.runId} is being stopped`);
  try {
    started = await container.start();
  } catch (e) {
    const why = (e as Error).message;
    // Whatever testcontainers left (failed-start.ts): its log if none was read, then removed.
    const left = await clearFailedStart(containerName(opts.runId, spec.key));
    if (left && logs.lines.length === 0) logs.add(left.lines);
    // testcontainers ends the wait when the server's output ends, i.e. it exited (and removes it);
    // a server that exited before testcontainers first looked at it ends in its port wait instead.
    const exitedFirst = /waiting for container ports to be bound/.test(why) && left?.exited === true;
    throw /Log stream ended/.test(why) || exitedFirst ? rejected() : notReady(why.split("\n")[0]);
  }
  const host = started.getHost();
  const port = started.getMappedPort(adapter.c2sPort);
  const endpoint = (domain: string): Endpoint => ({
    service: `xmpp://${host}:${port}`,
    domain,
    username: config.users[0].username,
    password: config.users[0].password,
    verify: verifiableAsServer(config.vhosts.find((v) => v.domain === domain)?.certificate ?? "dual-eku"),
  });
  const instance: StartedInstance = {
    spec,
    container: started,
    logs,
    installedVersion: "",
    endpoint,
    settingsFor: (domain) => ({ ...rendered.settings, ...rendered.hostSettings?.[domain] }),
    // inspect, not exec: an exec spawns a process in the container, which a busy run cannot spare.
    alive: async () => {
      const d = await docker();
      const info = await d.getContainer(started.getId()).inspect().catch(() => undefined);
      return info?.State?.Running === true;
    },
    stop: async () => {
      // Killed, not stopped: its log is already read, and a graceful ejabberd stop costs ~2 s.
      await started.stop({ remove: true, removeVolumes: true, timeout: 0 }).catch(() => {});
    },
  };
  try {
    // Ready means a client can log in, not just that a port is open.
    const c = await login(endpoint(config.vhosts[0].domain), config.trustedCa, Math.max(5_000, readyMs - (Date.now() - t0)));
    await stopQuietly(c);
    // A user image: the version the server announced (its log has it by now); else, and for the catalog, the version command.
    const announced = entry.source.kind === "image" ? adapter.versionFromLog?.(logs.lines) : undefined;
    const version = async () =>
      (await within(opts.versionTimeoutMs ?? STAGE_TIMEOUTS_MS.versionCheck, `${spec.key}: version check in the container`, started.exec(["sh", "-c", adapter.versionCommand(entry)]))).output.trim();
    instance.installedVersion = announced ?? ((await imageVersion(spec.image, opts.versions, version)) || entry.version);
  } catch (e) {
    await instance.stop();
    throw notReady((e as Error).message);
  }
  opts.log(`${spec.key} ready (${config.vhosts.length} virtual hosts, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return instance;
}
