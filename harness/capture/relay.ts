// Starts the TLS-intercepting relay (harness/images/relay/relay.mjs) on a run's
// network. Every domain given resolves to the relay (network aliases); the relay
// forwards each s2s connection to the domain's `upstream` (the real server's
// alias, e.g. `upstream.<domain>`) and sends what it saw as JSON lines over its
// events port (published where the c2s ports are, read with a per-run token),
// which land in a LogBuffer: read them with captureFor() from transcript.ts.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Wait, type StartedTestContainer } from "testcontainers";
import { publishAddress } from "../docker/client.ts";
import { RunContainer } from "../docker/dns.ts";
import type { HostCertificate } from "../servers/adapter.ts";
import { LogBuffer } from "../docker/logbuffer.ts";
import { runLabels } from "../docker/labels.ts";
import { EnvironmentError } from "../../core/errors.ts";
import { ensureRelayImage } from "./image.ts";

export interface RelayHost {
  /** The XMPP domain: a network alias of the relay. */
  domain: string;
  /** The domain's real certificate and key: presented to initiators (as server) and receivers (as client). */
  tls: HostCertificate;
  /** Hostname (optionally `host:port`, default port 5269) of the server that really serves the domain. */
  upstream: string;
  /** The size of the TLS 1.3 session tickets the real server sends (ServerAdapter.sessionTickets); the relay sends its own alike. */
  tickets: "small" | "large";
}

export interface StartRelayOptions {
  runId: string;
  /** Docker network the servers are on. */
  network: string;
  hosts: RelayHost[];
  /** PEM the relay names in its CertificateRequest and checks the receiver's certificate against (recorded, never enforced). */
  trustedCa: string;
  log: (s: string) => void;
  /** Image tag; default: ensureRelayImage(). */
  image?: string;
  /** Container name suffix, unique in the run (default `relay`). */
  key?: string;
  readyTimeoutMs?: number;
  /** The run's name server (docker/dns.ts). */
  dns?: string[];
}

export interface StartedRelay {
  /** The relay's connection lines (JSON, one event each), as they arrive. */
  logs: LogBuffer;
  container: StartedTestContainer;
  stop(): Promise<void>;
}

export const RELAY_CONFIG_PATH = "/relay/config.json";
/** Where the relay serves its connection lines to the reader that shows the config's eventsToken. */
export const RELAY_EVENTS_PORT = 5300;

/** The relay's /relay/config.json. */
export function relayConfig(hosts: RelayHost[], trustedCa: string, eventsToken?: string): string {
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.domain)) throw new Error(`relay: domain ${h.domain} given twice`);
    seen.add(h.domain);
  }
  return JSON.stringify({
    hosts: Object.fromEntries(hosts.map((h) => [h.domain, { cert: h.tls.cert, key: h.tls.key, fullchain: h.tls.fullchain, upstream: h.upstream, tickets: h.tickets }])),
    ca: trustedCa,
    ...(eventsToken ? { eventsToken } : {}),
  });
}

export async function startRelay(opts: StartRelayOptions): Promise<StartedRelay> {
  const image = opts.image ?? (await ensureRelayImage(opts.log));
  // The relay's own lines (listening, fatal); the connections' come over the events port.
  const own = new LogBuffer();
  const token = randomBytes(16).toString("hex");
  const t0 = Date.now();
  const name = `s2s-matrix-${opts.runId}-${(opts.key ?? "relay").replace(/[^a-zA-Z0-9_.-]/g, "-")}`.slice(0, 120);
  const container = new RunContainer(image)
    .withDns(opts.dns)
    .withName(name)
    .withLabels({ ...runLabels(opts.runId), "s2s-matrix.instance": opts.key ?? "relay" })
    .withRunNetwork(opts.network, opts.hosts.map((h) => h.domain))
    // Keys of the run's test CA only, readable by the relay's user (nobody) inside its container.
    .withCopyContentToContainer([{ content: relayConfig(opts.hosts, opts.trustedCa, token), target: RELAY_CONFIG_PATH, mode: 0o444 }])
    .withEnvironment({ RELAY_EVENTS_PORT: String(RELAY_EVENTS_PORT) })
    // Only where the harness reaches it, as the servers' c2s ports (instance.ts).
    .withPublishedPort(RELAY_EVENTS_PORT, publishAddress())
    .withLogConsumer((stream) => own.attach(stream))
    .withWaitStrategy(Wait.forLogMessage(/"ev":"listening"/))
    .withStartupTimeout(opts.readyTimeoutMs ?? 30_000);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (e) {
    throw new EnvironmentError(
      `the s2s relay did not start: ${(e as Error).message.split("\n")[0]}\n--- last relay lines ---\n${own.tail(10).join("\n")}`,
      "read the relay's lines above",
    );
  }
  const stop = () => started.stop({ remove: true, removeVolumes: true, timeout: 0 }).then(() => {}, () => {});
  let events: net.Socket;
  try {
    events = await readEvents(started.getHost(), started.getMappedPort(RELAY_EVENTS_PORT), token);
  } catch (e) {
    await stop();
    throw new EnvironmentError(`the s2s relay's events port did not answer: ${(e as Error).message}`, "check `docker info` and the daemon's log");
  }
  const logs = new LogBuffer();
  logs.attach(events);
  opts.log(`relay ready for ${opts.hosts.length} domains (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return {
    logs,
    container: started,
    stop: async () => {
      events.destroy();
      await stop();
    },
  };
}

/** Connects to the relay's events port and shows the token: from then on the relay sends its connection lines there. */
async function readEvents(host: string, port: number, token: string): Promise<net.Socket> {
  const sock = net.connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  sock.write(`${token}\n`);
  return sock;
}
