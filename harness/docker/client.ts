// The Docker connection, shared with testcontainers so both see the same engine.
import { existsSync } from "node:fs";
import type Dockerode from "dockerode";
import { getContainerRuntimeClient } from "testcontainers";
import { EnvironmentError } from "../errors.ts";

const ENSURE = "harness/docker/ensure-docker.sh";

/** testcontainers settings that must be in place before its first call. */
export function configureTestcontainers(log: (s: string) => void = () => {}): void {
  // Inside a container (CI, this sandbox) the mapped ports are reached on localhost.
  if (!process.env.TESTCONTAINERS_HOST_OVERRIDE && existsSync("/.dockerenv")) {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = "localhost";
  }
  // Ryuk's image usually cannot be pulled where s2s-matrix runs offline; the
  // harness removes everything it labelled itself (see cleanup.ts).
  if (process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) {
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    log("testcontainers' Ryuk is off: s2s-matrix removes its own containers and networks (label s2s-matrix.run).");
  }
}

let cached: Promise<Dockerode> | undefined;

/** dockerode for what testcontainers has no API for (labels on networks, listing, image builds). */
export function docker(): Promise<Dockerode> {
  cached ??= (async () => {
    configureTestcontainers();
    try {
      const client = await getContainerRuntimeClient();
      const d = client.container.dockerode;
      await d.ping();
      return d;
    } catch (e) {
      cached = undefined;
      throw new EnvironmentError(
        `no Docker engine answers (${(e as Error).message.split("\n")[0]})`,
        `start Docker, or on Debian as root run: bash ${ENSURE}`,
      );
    }
  })();
  return cached;
}
