// `s2s-matrix run` on a fresh Debian machine: where no Docker engine answers and
// this is Debian as root, install and start one (ensure-docker.sh) instead of
// stopping with exit 3, announced on stderr. S2S_MATRIX_INSTALL_DOCKER=0 or
// `--no-install-docker` turns this off; with DOCKER_HOST set the user named the
// engine, so it is never replaced by a local one.
import { spawn } from "node:child_process";
import type Dockerode from "dockerode";
import { EnvironmentError } from "../../core/errors.ts";
import { docker, ENSURE_DOCKER } from "./client.ts";
import { debianAsRoot } from "./debian-root.ts";

export { debianAsRoot };

/** Why the engine may not be installed here, or undefined when it may (`debianRoot`: this host's fact, given by tests). */
export function whyNoInstall(env: NodeJS.ProcessEnv = process.env, allowed = true, debianRoot = debianAsRoot()): string | undefined {
  if (!allowed) return "--no-install-docker";
  if (env.S2S_MATRIX_INSTALL_DOCKER === "0") return "S2S_MATRIX_INSTALL_DOCKER=0";
  if (env.DOCKER_HOST?.trim()) return "DOCKER_HOST is set";
  if (!debianRoot) return "not Debian as root";
  return undefined;
}

/** The Docker engine, installed and started first where none answers and that is allowed. */
export async function dockerOrInstall(log: (s: string) => void, allowed = true): Promise<Dockerode> {
  try {
    return await docker(log);
  } catch (e) {
    if (!(e instanceof EnvironmentError) || whyNoInstall(process.env, allowed)) throw e;
    log(`s2s-matrix: no Docker engine answers; installing/starting one with ${ENSURE_DOCKER} (Debian, root; to stop this: --no-install-docker or S2S_MATRIX_INSTALL_DOCKER=0)…`);
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn("bash", [ENSURE_DOCKER], { stdio: ["ignore", "inherit", "inherit"] });
      p.on("error", () => resolve(null));
      p.on("close", resolve);
    });
    if (code !== 0) throw new EnvironmentError(`${ENSURE_DOCKER} could not provide a Docker engine (exit ${code})`, "install and start Docker yourself, then run again");
    return docker(log);
  }
}
