// The Docker connection, shared with testcontainers so both see the same engine.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";
import { EnvironmentError } from "../errors.ts";

// Beside this file in the repository and in the package (dist/harness/docker/).
const ENSURE = fileURLToPath(new URL("./ensure-docker.sh", import.meta.url));

/** testcontainers' own reaper image (node_modules/testcontainers/build/reaper/reaper.js). */
const RYUK_IMAGE = process.env.RYUK_CONTAINER_IMAGE ?? "testcontainers/ryuk:0.14.0";

/** testcontainers settings that must be in place before its first call. */
export async function configureTestcontainers(log: (s: string) => void = () => {}): Promise<void> {
  // Inside a container (CI, this sandbox) the mapped ports are reached on localhost.
  if (!process.env.TESTCONTAINERS_HOST_OVERRIDE && existsSync("/.dockerenv")) {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = "localhost";
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
    await configureTestcontainers(log);
    const configured = process.env.DOCKER_HOST?.trim();
    try {
      if (configured) await pingConfiguredHost(configured);
      const client = await getContainerRuntimeClient();
      const d = client.container.dockerode;
      await d.ping();
      return d;
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
