#!/usr/bin/env node
// `npm test`: two vitest processes side by side. One runs the integration project; the
// other runs the projects that need no Docker (unit, process), then the fault tests
// (faults: servers in Docker that mostly wait for an injected fault to take effect) and
// a few integration files (integration-beside), so that both end together. In
// one process vitest runs a project whose files go one at a time (fileParallelism off,
// they share the Docker engine) after every other project, so the other tests' minutes
// came before the first server booted. The integration tests leave about a third of the
// two cores idle: the others use it.
// Output: the integration tests' live; the others' as one block when they end, and a
// closing recap (both exit codes; what failed beside the integration tests).
// Exit: the first failing process's code, else 0. Arguments go to both (a filter
// may leave one project without files: that is not a failure). With --project,
// one vitest process as usual.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { recap } from "./vitest-recap.mjs";

const args = process.argv.slice(2);
const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const run = (extra, stdio) => spawn(process.execPath, [vitest, "run", ...extra, ...args], { stdio });

/** The exit code of a child; a signal counts as a failure. */
const exited = (child) => new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));

if (args.some((a) => a === "--project" || a.startsWith("--project="))) {
  process.exit(await exited(run([], "inherit")));
}

const filtered = args.some((a) => !a.startsWith("-")) ? ["--passWithNoTests"] : [];
/** The projects run beside the integration project, in this order (their groupOrder). */
const BESIDE = ["unit", "process", "faults", "integration-beside"];
const besideLabel = BESIDE.join(" + ");
const side = run([...BESIDE.flatMap((p) => ["--project", p]), ...filtered], ["ignore", "pipe", "pipe"]);
const integration = run(["--project", "integration", ...filtered], "inherit");
// Ctrl-C reaches both through the terminal's process group: this process waits for them
// to clean up (containers) and exit. A TERM or HUP sent to this process only is passed on.
process.on("SIGINT", () => {});
for (const sig of ["SIGTERM", "SIGHUP"]) process.on(sig, () => [side, integration].forEach((c) => c.kill(sig)));

const block = [];
side.stdout.on("data", (b) => block.push(b));
side.stderr.on("data", (b) => block.push(b));
const sideCode = exited(side).then((code) => {
  process.stdout.write(`\n──── ${besideLabel} tests (ran beside the integration tests): exit ${code} ────\n`);
  process.stdout.write(Buffer.concat(block));
  process.stdout.write(`──── end of the ${besideLabel} tests ────\n\n`);
  return code;
});
const [sideExit, i] = await Promise.all([sideCode, exited(integration)]);
// The last lines say how both ended; the failures beside the integration tests are repeated here.
process.stdout.write(`\n──── npm test: integration exit ${i} (its report is above), ${besideLabel} exit ${sideExit} ────\n`);
if (sideExit !== 0) process.stdout.write(recap(Buffer.concat(block).toString()).map((l) => `  ${l}\n`).join(""));
process.exit([sideExit, i].find((c) => c !== 0) ?? 0);
