#!/usr/bin/env node
// Starts the CLI. A source checkout (harness/cli.ts is here) with its dependencies runs
// the TypeScript sources through tsx, so that an edit takes effect without a build and a
// dist/ left by `npm pack` never runs stale. Otherwise the compiled JavaScript in dist/
// runs: the npm package, or a checkout installed without devDependencies (the GitHub
// action). A fresh clone has neither: it gets its dependencies first (`npm ci`, announced).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const source = existsSync(at("harness/cli.ts"));
const hasTsx = () => existsSync(at("node_modules/tsx/package.json"));

if (source && !hasTsx() && !existsSync(at("dist/harness/cli.js"))) {
  process.stderr.write(`s2s-matrix: first run in this checkout: installing its dependencies (npm ci in ${at("")})…\n`);
  // stdout stays the CLI's own (--json); npm's output goes to stderr.
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: at(""), stdio: ["ignore", 2, 2] });
  if (npm.status !== 0) {
    process.stderr.write(`s2s-matrix: npm ci failed (${npm.error?.message ?? `exit ${npm.status}`}); run it yourself in ${at("")}\n`);
    process.exit(3);
  }
}
if (source && hasTsx()) {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../harness/cli.ts");
} else {
  await import("../dist/harness/cli.js");
}
