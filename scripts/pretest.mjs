#!/usr/bin/env node
// npm runs this before `npm test`, also in a fresh clone where node_modules does not
// exist yet (npm puts node_modules/.bin on the test's PATH either way): it installs
// the dependencies, and on Debian as root what the integration tests use — a Docker
// engine, debootstrap (base images offline), Chromium (HTML report test), a JDK's
// keytool (Openfire keystore test), openssl, jq (the site workflow's `gh --jq`, as on
// GitHub's runners). Each step is announced on stderr.
// S2S_MATRIX_INSTALL_DOCKER=0 (or not Debian/root) installs no system package.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (s) => process.stderr.write(`pretest: ${s}\n`);
const sh = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: ["ignore", 2, 2], env: { ...process.env, ...env } }).status === 0;
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

if (!existsSync(join(root, "node_modules/vitest/package.json"))) {
  say("installing the dependencies (npm ci)…");
  if (!sh("npm", ["ci", "--no-audit", "--no-fund"])) process.exit(1);
}

// The harness's own test (through tsx, installed above), not a copy of it.
const { tsImport } = await import("tsx/esm/api");
const { debianAsRoot } = await tsImport("../harness/docker/debian-root.ts", import.meta.url);
if (!debianAsRoot() || process.env.S2S_MATRIX_INSTALL_DOCKER === "0") {
  if (!has("docker")) say("no docker CLI found: the integration tests need a Docker engine (see README)");
  process.exit(0);
}

if (!process.env.DOCKER_HOST) {
  if (!sh("bash", [join(root, "harness/docker/ensure-docker.sh")])) process.exit(3);
}
const need = [];
if (!has("debootstrap") && !existsSync("/usr/sbin/debootstrap")) need.push("debootstrap");
if (!has("chromium")) need.push("chromium");
if (!has("keytool")) need.push("default-jdk-headless");
if (!has("openssl")) need.push("openssl");
if (!has("jq")) need.push("jq");
if (need.length) {
  say(`installing what the tests use from Debian: ${need.join(" ")}…`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const apt = ["-o", "DPkg::Lock::Timeout=600", "-q"];
  if (!sh("apt-get", [...apt, "update"], env) || !sh("apt-get", [...apt, "install", "-y", "--no-install-recommends", ...need], env)) process.exit(3);
}
