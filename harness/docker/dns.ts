// The run's own name server (harness/images/dns): every container of a run asks
// Docker's embedded DNS, which answers the run's aliases itself and forwards
// everything else, the servers' SRV lookups of the test domains included, to the
// name server given with the container. Without one that is the host's resolver:
// the test domains would leave the machine, and each lookup would wait on it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GenericContainer, Wait } from "testcontainers";
import { buildImage, ensureImage, IMAGES_DIR } from "./images.ts";
import { runLabels } from "./labels.ts";
import { EnvironmentError } from "../../core/errors.ts";
import { LogBuffer } from "./logbuffer.ts";

const SUITE = "bookworm";
const FILES = ["dns/Dockerfile"];

export function dnsImageTag(): string {
  const h = createHash("sha256").update(SUITE);
  for (const f of FILES) h.update(f).update(readFileSync(join(IMAGES_DIR, f)));
  return `s2s-matrix/dns:${h.digest("hex").slice(0, 12)}`;
}

export function ensureDnsImage(log?: (s: string) => void): Promise<string> {
  const tag = dnsImageTag();
  return ensureImage(tag, {
    suite: SUITE,
    what: " (the run's name server, Debian's dnsmasq)",
    log,
    build: (d) =>
      buildImage(d, tag, {
        context: IMAGES_DIR,
        src: FILES,
        dockerfile: "dns/Dockerfile",
        buildargs: { SUITE },
        label: "dns",
        what: "the run's name server",
        fix: "read the apt/docker error above (the image installs Debian's dnsmasq-base package)",
      }),
  });
}

export interface StartedDns {
  /** Its address on the run's network: give it to every container as its DNS server. */
  ip: string;
  /** dnsmasq's log; with `logQueries`, one line per query it was asked and per answer. */
  logs: LogBuffer;
  stop(): Promise<void>;
}

/** Starts the name server on the run's network (labelled like everything else of the run). */
export async function startDns(opts: { runId: string; network: string; log?: (s: string) => void; logQueries?: boolean }): Promise<StartedDns> {
  const image = await ensureDnsImage(opts.log);
  const logs = new LogBuffer();
  try {
    const started = await new GenericContainer(image)
      .withCommand(opts.logQueries ? ["--log-queries"] : [])
      .withName(`s2s-matrix-${opts.runId}-dns`)
      .withLabels({ ...runLabels(opts.runId), "s2s-matrix.instance": "dns" })
      .withNetworkMode(opts.network)
      .withLogConsumer((stream) => logs.attach(stream))
      .withWaitStrategy(Wait.forLogMessage(/started, version/))
      .withStartupTimeout(30_000)
      .start();
    return {
      ip: started.getIpAddress(opts.network),
      logs,
      stop: async () => {
        await started.stop({ remove: true, removeVolumes: true, timeout: 0 }).catch(() => {});
      },
    };
  } catch (e) {
    throw new EnvironmentError(`the run's name server did not start: ${(e as Error).message.split("\n")[0]}`, "check `docker info` and the daemon's log");
  }
}

/** A GenericContainer with what testcontainers has no option for: the run's name server, a port published on one host address. */
export class RunContainer extends GenericContainer {
  withDns(servers: string[] | undefined): this {
    if (servers?.length) this.hostConfig.Dns = servers;
    return this;
  }

  /**
   * On the run's network only, reachable there by `aliases`. testcontainers' withNetworkAliases
   * creates the container on Docker's default bridge, which every container of the machine
   * shares, and connects it to the network after: two endpoints per container to set up
   * and tear down, and a way in from outside the run.
   */
  withRunNetwork(network: string, aliases: string[]): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: aliases } } };
    return this;
  }

  /** Publishes `port` on a random host port of `hostIp` only ("" = every interface, Docker's default). */
  withPublishedPort(port: number, hostIp: string): this {
    this.withExposedPorts(port);
    if (hostIp) this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: hostIp, HostPort: "0" }] };
    return this;
  }
}
