// The wall time of the README's gate job (test/action.int.test.ts runs the same workflow)
// for a scenario, through the stand-in runner on this machine: run 1 with an empty image
// cache (the images it needs are built, or already present in Docker), run 2 with the
// cache run 1 saved (docker load). Prints each run's job time and its steps' times.
//   npx tsx test/gate-time.ts scenarios/letsencrypt-2026.yaml
// What "cold" means here is printed too: which s2s-matrix images Docker had before run 1.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cloneTree, runWorkflow, type LegResult, type StepResult } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";

const scenario = resolve(process.argv[2] ?? "scenarios/letsencrypt-2026.yaml");
const dir = mkdtempSync(join(tmpdir(), "s2s-gate-time-"));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const from = readme.indexOf("```yaml\n", readme.indexOf("does it in one step. A full"));
const workflow = readme.slice(from + 8, readme.indexOf("\n```", from + 8) + 1).replace(/^ *baseline: .*\n/m, "");
const actionPath = cloneTree(ROOT, join(dir, "action"));
const images = () => execFileSync("docker", ["images", "--filter", "label=s2s-matrix.image", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
const secs = (ms?: number) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

async function run(name: string): Promise<LegResult> {
  const ws = join(dir, name);
  mkdirSync(join(ws, "xmpp"), { recursive: true });
  copyFileSync(scenario, join(ws, "xmpp", "s2s-scenario.yaml"));
  writeFileSync(join(dir, `${name}.yml`), workflow);
  const t0 = Date.now();
  const [leg] = await runWorkflow(join(dir, `${name}.yml`), {
    workspace: () => ws,
    cacheDir: join(dir, "cache"),
    artifactsDir: join(dir, `${name}-artifacts`),
    runnerTemp: join(dir, "_temp"),
    actions: { "<owner>/s2s-matrix": actionPath },
  });
  const inner = leg.steps.find((s) => s.id === "s2s")?.inner ?? [];
  const line = (s: StepResult) => `    ${s.outcome.padEnd(8)} ${secs(s.ms).padStart(8)}  ${s.name}`;
  process.stdout.write(`${name}: job ${leg.status} in ${secs(Date.now() - t0)} (${new Date().toISOString()})\n${inner.map(line).join("\n")}\n`);
  return leg;
}

process.stdout.write(`scenario ${scenario}; s2s-matrix images in Docker before run 1: ${images().length}\n`);
const first = await run("run1-empty-cache");
const second = await run("run2-cache-hit");
rmSync(dir, { recursive: true, force: true });
process.exit(first.status === "success" && second.status === "success" ? 0 : 1);
