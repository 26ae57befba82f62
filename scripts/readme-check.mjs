#!/usr/bin/env node
// Proves README.md's opening: copies this working tree (tracked and untracked files,
// without what .gitignore names: no node_modules, no dist) into a temporary directory
// and runs the two commands of README.md's first ```sh block exactly as printed. The
// first must write the matrix's five reports and exit 0; the second must exit 0.
// Exit 0 when both hold; otherwise 1, naming the command. CI (.ci/run) runs this.
//   node scripts/readme-check.mjs [--readme <file>] [--keep]
// --readme: take the commands from another file (the copy still gets it as README.md).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPORTS = ["matrix.md", "matrix.html", "results.json", "junit.xml", "baseline.jsonl"];
const say = (s) => process.stderr.write(`readme-check: ${s}\n`);
const fail = (s) => (say(`FAIL: ${s}`), process.exit(1));

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const readme = resolve(opt("--readme") ?? join(root, "README.md"));

/** The command lines of the first ```sh block (comments and blank lines dropped). */
function readmeCommands(text) {
  const block = /^```sh\n([\s\S]*?)^```/m.exec(text);
  if (!block) return [];
  return block[1].split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

const commands = readmeCommands(readFileSync(readme, "utf8"));
if (commands.length !== 2) fail(`${readme}: the first \`\`\`sh block must hold exactly two commands, found ${commands.length}: ${JSON.stringify(commands)}`);

// The working tree as a clone would have it, plus uncommitted edits.
const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
if (files.status !== 0) fail(`git ls-files failed in ${root}: ${files.stderr}`);
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-readme-"));
for (const f of files.stdout.split("\0").filter(Boolean)) {
  // deleted but not yet committed; and never a node_modules or dist (a worktree's node_modules may be a symlink)
  if (!existsSync(join(root, f)) || /^(node_modules|dist)(\/|$)/.test(f) || !statSync(join(root, f)).isFile()) continue;
  mkdirSync(dirname(join(dir, f)), { recursive: true });
  copyFileSync(join(root, f), join(dir, f));
}
copyFileSync(readme, join(dir, "README.md"));
// A clone is a git checkout: tests that list the project's files with git need one.
const git = (...args) => spawnSync("git", ["-c", "user.name=readme-check", "-c", "user.email=readme-check@localhost", ...args], { cwd: dir, encoding: "utf8" });
for (const args of [["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "readme-check copy"]]) {
  const r = git(...args);
  if (r.status !== 0) fail(`git ${args[0]} in the copy failed: ${r.stderr}`);
}
say(`copied ${root} to ${dir} (no node_modules)`);

// Nothing of this checkout's npm run may leak in: its node_modules/.bin on PATH, npm_* lifecycle variables.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(?!config_)/i.test(k) && k !== "INIT_CWD"));
env.PATH = (env.PATH ?? "").split(delimiter).filter((p) => !p.includes("node_modules/.bin")).join(delimiter);

// A command runs in a process group of its own, and a signal to this process goes to that
// whole group: a TERM to readme-check alone (a proof stopped by hand) ended it and left the
// README's matrix run going. Ctrl-C reaches the group through this process as well.
let child;
let stoppedBy;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    stoppedBy ??= sig;
    if (child?.exitCode === null && child.signalCode === null) process.kill(-child.pid, sig);
  });
}

const run = (cmd) =>
  new Promise((done) => {
    say(`$ ${cmd}`);
    const t0 = Date.now();
    child = spawn("sh", ["-c", cmd], { cwd: dir, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
    child.on("close", (code, signal) => done({ code, signal, s: ((Date.now() - t0) / 1000).toFixed(1) }));
  });

let failed;
const first = await run(commands[0]);
say(`exit ${first.code ?? first.signal} after ${first.s} s: ${commands[0]}`);
if (first.code !== 0) failed = `the first command exited ${first.code ?? first.signal}: ${commands[0]}`;
else {
  const missing = REPORTS.filter((r) => !existsSync(join(dir, "s2s-matrix-report", r)));
  if (missing.length) failed = `the first command wrote no ${missing.join(", ")} in s2s-matrix-report/: ${commands[0]}`;
}
if (stoppedBy) failed = `stopped by ${stoppedBy} during: ${commands[0]}`;
if (!failed) {
  const second = await run(commands[1]);
  say(`exit ${second.code ?? second.signal} after ${second.s} s: ${commands[1]}`);
  if (second.code !== 0) failed = `the second command exited ${second.code ?? second.signal}: ${commands[1]}`;
}
if (args.includes("--keep")) say(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
if (failed) fail(failed);
say("OK: both commands of README.md work in a fresh copy");
