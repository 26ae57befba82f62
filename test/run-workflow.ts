// Runs one of this repository's workflows through the stand-in runner (test/action-runner/)
// on this machine, each job leg in a fresh clone of the working tree as its checkout, and
// prints per leg its status, each step's outcome and wall time, and the annotations.
// Too slow for npm test (every leg runs `npm ci`; the matrix workflows run real servers).
//   npx tsx test/run-workflow.ts .github/workflows/matrix-sharded.yml [--keep]
// Exit 0 when every leg succeeded, 1 otherwise.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cloneTree, runWorkflow, type StepResult } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";

const [file, ...flags] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: npx tsx test/run-workflow.ts <workflow.yml> [--keep]\n");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "s2s-workflow-"));
const t0 = Date.now();
const legs = await runWorkflow(resolve(file), {
  workspace: (job, leg) => join(dir, `${job}-${leg}`),
  cacheDir: join(dir, "cache"),
  artifactsDir: join(dir, "artifacts"),
  runnerTemp: join(dir, "_temp"),
  pagesDir: join(dir, "pages"),
  checkout: (ws) => {
    rmSync(ws, { recursive: true, force: true });
    cloneTree(ROOT, ws);
  },
  echo: flags.includes("--verbose") ? (l) => process.stderr.write(l) : undefined,
});
const secs = (ms?: number) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
const step = (s: StepResult) => `    ${s.outcome.padEnd(8)} ${secs(s.ms).padStart(8)}  ${s.name.split("\n")[0].slice(0, 90)}`;
for (const leg of legs) {
  process.stdout.write(`${leg.job} ${JSON.stringify(leg.matrix)}: ${leg.status}\n${leg.steps.map(step).join("\n")}\n`);
  for (const a of leg.annotations) process.stdout.write(`    ${a.level}${a.file ? ` ${a.file}:${a.line ?? ""}` : ""}${a.title ? ` [${a.title}]` : ""}: ${a.message.split("\n")[0].slice(0, 160)}\n`);
  process.stdout.write(`    job summary: ${Buffer.byteLength(leg.summary)} bytes\n`);
}
process.stdout.write(`whole workflow: ${secs(Date.now() - t0)}${flags.includes("--keep") ? `; kept in ${dir}` : ""}\n`);
if (!flags.includes("--keep")) rmSync(dir, { recursive: true, force: true });
process.exit(legs.every((l) => l.status === "success") ? 0 : 1);
