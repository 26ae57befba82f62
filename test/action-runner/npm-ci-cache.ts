// A stand-in `npm` for workflows whose every job leg runs `npm ci` in a fresh clone of the
// same tree: the first `npm ci` runs for real, and its node_modules is kept; a later
// `npm ci` with the same package.json, package-lock.json and arguments gets a hard-linked
// copy of it instead of installing again (what the npm cache of setup-node saves on
// GitHub, and more). Legs side by side take a lock per key: one installs, the others wait
// for its node_modules. Anything else goes to the real npm. Run as `npm` by installNpmCiCache.
import { accessSync, chmodSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** The first executable `name` on PATH outside `skip` (the real one behind a stand-in). */
export function onPath(name: string, skip: string[] = []): string {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d && !skip.includes(resolve(d)));
  for (const d of dirs) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not in this directory: the next one
    }
  }
  throw new Error(`no ${name} on PATH`);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes `npm` into toolDir (for JobOptions.toolPath); the kept node_modules go to storeDir. */
export function installNpmCiCache(toolDir: string, storeDir: string, realNpm = onPath("npm", [resolve(toolDir)])): void {
  mkdirSync(toolDir, { recursive: true });
  mkdirSync(storeDir, { recursive: true });
  const script = `#!/bin/sh
real=${q(realNpm)}
if [ "$1" != ci ] || [ ! -f package-lock.json ]; then exec "$real" "$@"; fi
key=$( { cat package.json package-lock.json; printf '%s\\n' "$@"; } | sha256sum | cut -c1-16)
kept=${q(resolve(storeDir))}/$key
exec 9>"$kept.lock"
if ! flock -n 9; then
  echo "stand-in npm: waiting for the npm ci in progress ($key)"
  flock 9
fi
if [ -d "$kept/node_modules" ]; then
  rm -rf node_modules && cp -al "$kept/node_modules" node_modules || exit 1
  echo "stand-in npm: node_modules linked from an earlier npm ci ($key)"
  exit 0
fi
"$real" "$@" 9>&- || exit $?
rm -rf "$kept.part" && mkdir -p "$kept.part" && cp -al node_modules "$kept.part/node_modules" && mv "$kept.part" "$kept"
`;
  writeFileSync(join(toolDir, "npm"), script);
  chmodSync(join(toolDir, "npm"), 0o755);
}
