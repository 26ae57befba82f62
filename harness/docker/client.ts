// The Docker connection, shared with testcontainers so both see the same engine.
import { existsSync, readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";
import { parseDuration, STAGE_TIMEOUTS_MS, within } from "./deadline.ts";
import { EnvironmentError, UsageError } from "../../core/errors.ts";
import { isLoopback } from "../../core/loopback.ts";
import { readOr } from "./labels.ts";

// Beside this file in the repository and in the package (dist/harness/docker/).
export const ENSURE_DOCKER = fileURLToPath(new URL("./ensure-docker.sh", import.meta.url));

const LOOPBACK = "127.0.0.1";

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

/**
 * Pure: the decision above from what configureTestcontainers finds. `bridgeGateway`
 * is the engine host's address on its default bridge; `routeGateway` this
 * machine's default route (in a job container: the engine host on the job's network).
 */
export function locateEngine(o: { dockerHost?: string; inContainer: boolean; bridgeGateway?: string; routeGateway?: string; ownAddresses: string[] }): EngineLocation {
  const url = o.dockerHost ? new URL(o.dockerHost) : undefined;
  if (url && url.protocol !== "unix:" && url.protocol !== "npipe:") return isLoopback(url.hostname) ? { kind: "local" } : { kind: "remote", host: url.hostname };
  // A socket: the engine is on this machine. From inside a container it is still
  // local when its bridge's gateway is one of our own addresses (the engine runs in
  // this container, as in this project's sandbox, or --network host); otherwise we
  // are its sibling and reach the host through our default route, as testcontainers does.
  if (!o.inContainer || !o.bridgeGateway || o.ownAddresses.includes(o.bridgeGateway)) return { kind: "local" };
  return { kind: "gateway", address: o.routeGateway ?? o.bridgeGateway };
}

/** The bridge's gateway: as configured, else Docker's default, the subnet's first address. */
export function gatewayOf(ipam: { Config?: { Subnet?: string; Gateway?: string }[] } | undefined): string | undefined {
  for (const c of ipam?.Config ?? []) {
    if (c.Gateway) return c.Gateway;
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(c.Subnet ?? "");
    if (!m) continue;
    const ip = m.slice(1, 5).reduce((n, o) => n * 256 + Number(o), 0);
    const bits = Number(m[5]);
    const first = (bits === 0 ? 0 : (ip >>> (32 - bits)) << (32 - bits)) >>> 0;
    const g = first + 1;
    return [g >>> 24, (g >>> 16) & 255, (g >>> 8) & 255, g & 255].join(".");
  }
  return undefined;
}

/** The default route's gateway from /proc/net/route (little-endian hex), if any. */
function routeGateway(): string | undefined {
  try {
    for (const line of readFileSync("/proc/net/route", "utf8").split("\n").slice(1)) {
      const [, dest, gw] = line.trim().split(/\s+/);
      if (dest !== "00000000" || !gw) continue;
      const n = parseInt(gw, 16);
      return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
    }
  } catch {
    // no /proc: not Linux, not a job container
  }
  return undefined;
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

/**
 * This network namespace's own addresses. Node lists only interfaces that are up, and
 * docker0 is down while no container is attached (the start of every run): the
 * kernel's routing table lists its address as LOCAL either way.
 */
const ownAddresses = (): string[] => [
  ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)),
  ...localAddressesOf(readOr("/proc/net/fib_trie", "")) // "" where there is no /proc,
];

/** Pure: the `/32 host LOCAL` addresses of a /proc/net/fib_trie text. */
export function localAddressesOf(fibTrie: string): string[] {
  const out = new Set<string>();
  const lines = fibTrie.split("\n");
  lines.forEach((line, i) => {
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line.trim());
    if (leaf && /\/32 host LOCAL/.test(lines[i + 1] ?? "")) out.add(leaf[1]);
  });
  return [...out];
}

/** testcontainers settings that must be in place before its first call. */
export async function configureTestcontainers(): Promise<void> {
  userOverride = process.env.TESTCONTAINERS_HOST_OVERRIDE !== undefined && !ourOverride;
  const dockerHost = process.env.DOCKER_HOST?.trim() || undefined;
  const inContainer = existsSync("/.dockerenv");
  const bridgeGateway =
    inContainer && !dockerHost?.startsWith("tcp:")
      ? await new Dockerode()
          .getNetwork("bridge")
          .inspect()
          .then((n: { IPAM?: Parameters<typeof gatewayOf>[0] }) => gatewayOf(n.IPAM), () => undefined)
      : undefined;
  location = locateEngine({ dockerHost, inContainer, bridgeGateway, routeGateway: routeGateway(), ownAddresses: ownAddresses() });
  // Reach the ports where they are published: 127.0.0.1, or the gateway (testcontainers
  // would look for it with a helper image, which cannot be pulled where this runs).
  // A remote engine is reached by DOCKER_HOST's name, testcontainers' own choice.
  if (!userOverride && location.kind !== "remote") {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = location.kind === "local" ? LOOPBACK : location.address;
    ourOverride = true;
  }
  keepRyukOff(process.env);
}

/**
 * testcontainers' Ryuk stays off unless the user turns it on
 * (TESTCONTAINERS_RYUK_DISABLED=false): it publishes its port on every interface with
 * the Docker socket mounted, and the harness removes what it labelled itself (cleanup.ts).
 */
export function keepRyukOff(env: NodeJS.ProcessEnv): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
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
      `start Docker there, or unset DOCKER_HOST to use the local engine (on Debian as root: bash ${ENSURE_DOCKER})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The engine check's bound: S2S_MATRIX_ENGINE_TIMEOUT (e.g. 90s, for a slow remote engine) or 30 s. */
function engineBound(): number {
  const text = process.env.S2S_MATRIX_ENGINE_TIMEOUT?.trim();
  if (!text) return STAGE_TIMEOUTS_MS.engine;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`S2S_MATRIX_ENGINE_TIMEOUT=${JSON.stringify(text)}: expected a duration such as 90s or 2m`);
  return ms;
}

/** dockerode for what testcontainers has no API for (labels on networks, listing, image builds). */
export function docker(log?: (s: string) => void): Promise<Dockerode> {
  cached ??= (async () => {
    const configured = process.env.DOCKER_HOST?.trim();
    try {
      const bound = engineBound();
      if (configured) await pingConfiguredHost(configured);
      // An engine that accepts the connection and never answers must not hang the run.
      return await within(bound, "Docker engine check (ping, info)", (async () => {
        await configureTestcontainers();
        const client = await getContainerRuntimeClient();
        const d = client.container.dockerode;
        await d.ping();
        return d;
      })());
    } catch (e) {
      cached = undefined;
      if (e instanceof EnvironmentError || e instanceof UsageError) throw e;
      throw new EnvironmentError(
        `no Docker engine answers (${(e as Error).message.split("\n")[0]})`,
        `start Docker, or on Debian as root run: bash ${ENSURE_DOCKER}`,
      );
    }
  })();
  return cached;
}
