// A user's own server image for the tests: built FROM one of the harness's Debian
// images with a version string of its own baked in, as a custom build would have.
import { execFileSync } from "node:child_process";
import { resolveServer, adapterFor } from "../harness/servers/catalog.ts";
import { ensureServerImage } from "../harness/docker/images.ts";

/** Builds `tag` FROM the harness's prosody@13.0.7 image, announcing `version`. */
export async function buildProsodyImage(tag: string, version: string): Promise<void> {
  await buildFromProsody(tag, `RUN echo ${version} > /usr/lib/prosody/prosody.version`);
}

/**
 * Builds `tag` FROM the harness's prosody@13.0.7 image with a command that never starts
 * Prosody: a server that never answers, so a run that needs it cannot finish however fast
 * the machine is.
 */
export async function buildSilentProsodyImage(tag: string): Promise<void> {
  await buildFromProsody(tag, 'CMD ["sleep", "infinity"]');
}

async function buildFromProsody(tag: string, line: string): Promise<void> {
  buildFrom(await ensureServerImage(resolveServer("prosody@13.0.7"), adapterFor("prosody")), tag, line);
}

/**
 * Builds `tag` FROM `base` with one more Dockerfile line. The tag is a label of the image,
 * set first: two tests building the same line share no layer or cached step after the base,
 * so that one's removal cannot delete what the other's build is using ("failed to get
 * digest … no such file", seen in npm test).
 */
export function buildFrom(base: string, tag: string, line: string): void {
  const input = `FROM ${base}\nLABEL s2s-matrix.test-image=${JSON.stringify(tag)}\n${line}\n`;
  execFileSync("docker", ["build", "-q", "-t", tag, "-"], { input, stdio: ["pipe", "ignore", "pipe"] });
}

/** Removes an image a test built. */
export function removeImage(tag: string): void {
  try {
    execFileSync("docker", ["rmi", "-f", tag], { stdio: "ignore" });
  } catch {
    /* already gone */
  }
}
