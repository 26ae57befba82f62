// The Docker connection, shared with testcontainers so both see the same engine.
import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";
import { STAGE_TIMEOUTS_MS, within } from "../deadline.ts";
import { EnvironmentError } from "../errors.ts";

const ENSURE = "harness/docker/ensure-docker.sh";

/** testcontainers' own reaper image (node_modules/testcontainers/build/reaper/reaper.js). */
const RYUK_IMAGE = process.env.RYUK_CONTAINER_IMAGE ?? "testcontainers/ryuk:0.14.0";

const LOOPBACK = "127.0.0.1";
const isLoopback = (host: string): boolean => /^(localhost|127(\.\d+){3}|::1|\[::1\])$/i.test(host);

/**
 * Where the engine runs, seen from here, and so how the harness reaches a server's
 * published c2s port and which host address that port is published on:
 * - local: the engine shares this machine's (or this container's) network: ports are
 *   published on 127.0.0.1 only and reached there. No other machine can connect.
 * - gateway: a job container with the host's engine socket mounted: testcontainers
 *   reaches the host at the bridge network's gateway, so ports are published on that
 *   address only (the host's own address on its container bridge).
 * - remote: DOCKER_HOST=tcp://… names another machine or a docker:dind service:
 *   testcontainers reaches it by that name, and ports are published on all of its
 *   interfaces (a dind service's are on the job's network only).
 */
export type EngineLocation = { kind: "local" } | { kind: "gateway"; address: string } | { kind: "remote"; host: string };

/** Pure: the decision above from what configureTestcontainers finds. */
export function locateEngine(o: { dockerHost?: string; inContainer: boolean; bridgeGateway?: string; ownAddresses: string[] }): EngineLocation {
  const url = o.dockerHost ? new URL(o.dockerHost) : undefined;
  if (url && url.protocol !== "unix:" && url.protocol !== "npipe:") return isLoopback(url.hostname) ? { kind: "local" } : { kind: "remote", host: url.hostname };
  // A socket: the engine is on this machine. From inside a container it is still
  // local when its bridge's gateway is one of our own addresses (the engine runs in
  // this container, as in this project's sandbox); otherwise we are its sibling.
  if (!o.inContainer || !o.bridgeGateway || o.ownAddresses.includes(o.bridgeGateway)) return { kind: "local" };
  return { kind: "gateway", address: o.bridgeGateway };
}

let location: EngineLocation = { kind: "local" };

/** The host address servers' c2s ports are published on ("" = all of the engine host's interfaces). */
export function publishAddress(): string {
  const override = process.env.TESTCONTAINERS_HOST_OVERRIDE;
  if (override && userOverride) return isLoopback(override) ? LOOPBACK : "";
  return location.kind === "local" ? LOOPBACK : location.kind === "gateway" ? location.address : "";
}

/** Whether TESTCONTAINERS_HOST_OVERRIDE was the user's, not ours. */
let userOverride = false;

const ownAddresses = (): string[] => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));

/** testcontainers settings that must be in place before its first call. */
export async function configureTestcontainers(log: (s: string) => void = () => {}): Promise<void> {
  userOverride = process.env.TESTCONTAINERS_HOST_OVERRIDE !== undefined && !ourOverride;
  const dockerHost = process.env.DOCKER_HOST?.trim() || undefined;
  const inContainer = existsSync("/.dockerenv");
  const bridgeGateway =
    inContainer && !dockerHost?.startsWith("tcp:")
      ? await new Dockerode()
          .getNetwork("bridge")
          .inspect()
          .then((n: { IPAM?: { Config?: { Gateway?: string }[] } }) => n.IPAM?.Config?.find((c) => c.Gateway)?.Gateway, () => undefined)
      : undefined;
  location = locateEngine({ dockerHost, inContainer, bridgeGateway, ownAddresses: ownAddresses() });
  // Local: reach the ports on 127.0.0.1, where they are published. Otherwise
  // testcontainers' own resolution (the gateway, or DOCKER_HOST's name) is right.
  if (!userOverride && location.kind === "local") {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = LOOPBACK;
    ourOverride = true;
  }
  // Ryuk as well when its image is here; where it cannot be had (offline), the
  // harness removes everything it labelled itself (see cleanup.ts).
  if (process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) {
    const present = await new Dockerode().getImage(RYUK_IMAGE).inspect().then(() => true, () => false);
    if (!present) {
      process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
      log(`note: ${RYUK_IMAGE} is not present, so testcontainers' Ryuk is off; s2s-matrix removes its own containers and networks (label s2s-matrix.run) itself.`);
    }
  }
}

let cached: Promise<Dockerode> | undefined;
let ourOverride = false;

/**
 * testcontainers tries DOCKER_HOST first and, when nothing answers there, falls
 * back to /var/run/docker.sock: a run would silently use another engine than the
 * one the user named. When DOCKER_HOST is set, it must answer itself.
 */
async function pingConfiguredHost(dockerHost: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // Without options, docker-modem reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) itself.
    await Promise.race([
      new Dockerode().ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("no answer within 15 s")), 15_000))),
    ]);
  } catch (e) {
    throw new EnvironmentError(
      `no Docker engine answers at DOCKER_HOST=${dockerHost} (${(e as Error).message.split("\n")[0]})`,
      `start Docker there, or unset DOCKER_HOST to use the local engine (on Debian as root: bash ${ENSURE})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** dockerode for what testcontainers has no API for (labels on networks, listing, image builds). */
export function docker(log?: (s: string) => void): Promise<Dockerode> {
  cached ??= (async () => {
    const configured = process.env.DOCKER_HOST?.trim();
    try {
      if (configured) await pingConfiguredHost(configured);
      // An engine that accepts the connection and never answers must not hang the run.
      return await within(STAGE_TIMEOUTS_MS.engine, "Docker engine check (ping, info)", (async () => {
        await configureTestcontainers(log);
        const client = await getContainerRuntimeClient();
        const d = client.container.dockerode;
        await d.ping();
        return d;
      })());
    } catch (e) {
      cached = undefined;
      if (e instanceof EnvironmentError) throw e;
      throw new EnvironmentError(
        `no Docker engine answers (${(e as Error).message.split("\n")[0]})`,
        `start Docker, or on Debian as root run: bash ${ENSURE}`,
      );
    }
  })();
  return cached;
}
