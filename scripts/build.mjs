#!/usr/bin/env node
// `npm run build` (and `prepack`): compiles core/, ca/, harness/ and scenarios/ into dist/
// (same layout, `.ts` imports rewritten to `.js`, type declarations beside), then
// copies the files the code loads at run time through import.meta.url: the image
// build contexts, the Docker install script and the JSON schemas.
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const ASSETS = ["harness/images", "harness/docker/ensure-docker.sh", "scenarios/scenario.schema.json", "harness/report/results.schema.json"];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const a of ASSETS) cpSync(join(root, a), join(dist, a), { recursive: true });
// labels.ts reads the version from ../../package.json, which is dist/package.json here.
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(join(dist, "package.json"), JSON.stringify({ type: "module", version }, null, 2) + "\n");
process.stderr.write(`built dist/ (s2s-matrix ${version})\n`);
