// A server's `config:` file: read only from the scenario's directory (or one the operator allows), capped in size.
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ScenarioServer } from "../model.ts";
import type { Path, RawIssue } from "./issues.ts";
import { quote } from "./wording.ts";

/** A `config:` file is refused above this size unread: real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Where a `config:` file may be: under the scenario file's directory (after symlinks
 * are followed), so that a scenario from elsewhere cannot make a run read
 * /etc/shadow into a container; the operator opts other directories in with
 * S2S_MATRIX_CONFIG_DIRS (separated by the OS's path delimiter).
 */
function configRoots(scenarioFile: string): string[] {
  const extra = (process.env.S2S_MATRIX_CONFIG_DIRS ?? "").split(delimiter).filter(Boolean);
  return [dirname(scenarioFile), ...extra].map((d) => {
    try {
      return realpathSync(d);
    } catch {
      return resolve(d);
    }
  });
}

const within = (root: string, file: string): boolean => {
  const rel = relative(root, file);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
};

/** Reads a `config:` file relative to the scenario file; undefined (with an issue) when it cannot or may not be read. */
export function readConfig(config: string, scenarioFile: string, path: Path, issues: RawIssue[]): ScenarioServer["config"] {
  const file = isAbsolute(config) ? config : join(dirname(scenarioFile), config);
  const refuse = (message: string) => (issues.push({ path, message }), undefined);
  try {
    const real = realpathSync(file);
    const roots = configRoots(scenarioFile);
    if (!roots.some((r) => within(r, real))) {
      return refuse(
        `config ${quote(config)} (${real}) is outside the scenario file's directory ${roots[0]}; ` +
          `put it there, or allow its directory: S2S_MATRIX_CONFIG_DIRS=${dirname(real)}`,
      );
    }
    // O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it (and devices) unread.
    const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) return refuse(`config ${quote(config)} is a directory (${resolve(file)}); give the server's configuration file`);
      if (!st.isFile()) return refuse(`config ${quote(config)} (${real}) is not a regular file; give the server's configuration file`);
      if (st.size > MAX_CONFIG_BYTES) {
        return refuse(`config ${quote(config)} is ${(st.size / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config file may have`);
      }
      return { file, text: readFileSync(fd, "utf8") };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(
      code === "ENOENT"
        ? `config file ${quote(config)} not found (looked for ${resolve(file)}); the path is relative to the scenario file`
        : `cannot read config file ${quote(config)} (${resolve(file)}): ${(err as Error).message}`,
    );
  }
}
