// Steps as the runner runs them: `if:` (success() unless a status function is named),
// `${{ }}` in env/with, `run:` through the shell, `uses:` of a composite action (its own
// steps, inputs and outputs) or of a stand-in; outputs from $GITHUB_OUTPUT, $GITHUB_ENV
// carried to later steps, the step summary kept within GitHub's limit.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { evaluateIf, interpolate, type ExprScope, type JobStatus } from "./expressions.ts";
import { parseKeyValueFile } from "./files.ts";
import { STEP_SUMMARY_LIMIT, type Job } from "./job.ts";
import { runScript } from "./shell.ts";
import { STAND_INS, vendoredAction } from "./stand-ins.ts";

export interface StepDef {
  id?: string;
  name?: string;
  if?: string | boolean;
  run?: string;
  shell?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  "continue-on-error"?: boolean | string;
  "working-directory"?: string;
}

export type Outcome = "success" | "failure" | "skipped";

export interface StepResult {
  id: string;
  name: string;
  outcome: Outcome;
  conclusion: Outcome;
  outputs: Record<string, string>;
  /** A run: step's exit code. */
  exitCode?: number;
  /** The steps of a composite action this step ran. */
  inner?: StepResult[];
  /** Wall time of the step (reported, never asserted). */
  ms?: number;
}

/** Where a list of steps runs: a workflow job's steps, or a composite action's. */
interface Scope {
  /** Inside a composite action: its directory and its inputs. */
  actionPath?: string;
  inputs?: Record<string, string>;
}

const toString = (v: unknown): string => (v === undefined || v === null ? "" : typeof v === "string" ? v : String(v));

function exprScope(job: Job, scope: Scope, results: StepResult[], status: JobStatus): ExprScope {
  const steps = Object.fromEntries(
    results.filter((r) => !r.id.startsWith("__")).map((r) => [r.id, { outputs: r.outputs, outcome: r.outcome, conclusion: r.conclusion }]),
  );
  const contexts: Record<string, unknown> = { ...job.contexts(), steps, env: { ...job.env }, job: { status } };
  if (scope.inputs) contexts.inputs = scope.inputs;
  if (scope.actionPath) contexts.github = { ...(contexts.github as object), action_path: scope.actionPath };
  return { contexts, status, workspace: job.opts.workspace };
}

/** Runs steps in order; the status functions see `status`, which a failed step turns to failure. */
export async function runSteps(job: Job, defs: StepDef[], scope: Scope = {}): Promise<{ results: StepResult[]; status: JobStatus }> {
  const results: StepResult[] = [];
  let status: JobStatus = "success";
  for (const [i, def] of defs.entries()) {
    const id = def.id ?? `__${i}`;
    const name = def.name ?? def.uses ?? def.run?.split("\n")[0] ?? id;
    const ctx = () => exprScope(job, scope, results, status);
    let result: StepResult;
    let run: boolean;
    try {
      run = evaluateIf(def.if, ctx());
    } catch (e) {
      job.channel.annotations.push({ level: "error", message: `The step's if: cannot be evaluated: ${(e as Error).message}` });
      run = false;
      status = "failure";
    }
    if (!run) {
      job.write(`-- skipped: ${name}`);
      results.push({ id, name, outcome: "skipped", conclusion: "skipped", outputs: {} });
      continue;
    }
    job.write(`-- step: ${name}`);
    const t0 = Date.now();
    try {
      result = def.uses !== undefined ? await runUses(job, def, id, name, ctx()) : await runRun(job, def, id, name, ctx(), scope);
    } catch (e) {
      job.channel.annotations.push({ level: "error", message: (e as Error).message });
      job.write(`##[error]${(e as Error).message}`);
      result = { id, name, outcome: "failure", conclusion: "failure", outputs: {} };
    }
    const continueOnError = def["continue-on-error"] !== undefined && interpolate(toString(def["continue-on-error"]), ctx()) === "true";
    if (result.outcome === "failure" && continueOnError) result.conclusion = "success";
    if (result.conclusion === "failure") status = "failure";
    result.ms = Date.now() - t0;
    job.write(`-- ${result.outcome} in ${(result.ms / 1000).toFixed(1)} s: ${name}`);
    results.push(result);
  }
  return { results, status };
}

async function runRun(job: Job, def: StepDef, id: string, name: string, scope: ExprScope, where: Scope): Promise<StepResult> {
  if (where.actionPath !== undefined && def.shell === undefined) throw new Error("Required property is missing: shell");
  const stepEnv = Object.fromEntries(Object.entries(def.env ?? {}).map(([k, v]) => [k, interpolate(toString(v), scope)]));
  const files = { output: job.file("set_output"), env: job.file("set_env"), summary: job.file("step_summary"), path: job.file("add_path"), state: job.file("save_state") };
  for (const f of Object.values(files)) writeFileSync(f, "");
  const script = interpolate(def.run ?? "", scope);
  const cwd = def["working-directory"] ? resolve(job.opts.workspace, interpolate(def["working-directory"], scope)) : job.opts.workspace;
  job.channel.setOutputs = {};
  const env = { ...job.runnerEnv(files, where.actionPath), ...stepEnv };
  const code = await runScript(job, { script, shell: def.shell, env, cwd });
  const outputs = { ...job.channel.setOutputs, ...parseKeyValueFile(files.output) };
  Object.assign(job.env, parseKeyValueFile(files.env));
  const added = readFileSync(files.path, "utf8").split("\n").filter(Boolean);
  if (added.length > 0) job.env.PATH = [...added.reverse(), job.env.PATH ?? process.env.PATH ?? ""].join(":");
  collectSummary(job, files.summary);
  if (code !== 0) {
    job.channel.annotations.push({ level: "error", message: `Process completed with exit code ${code}.` });
    job.write(`##[error]Process completed with exit code ${code}.`);
  }
  const outcome: Outcome = code === 0 ? "success" : "failure";
  return { id, name, outcome, conclusion: outcome, outputs, exitCode: code };
}

/** A step's summary joins the job's, unless it passes GitHub's 1 MiB limit (then an error, as on GitHub). */
function collectSummary(job: Job, file: string): void {
  const size = statSync(file).size;
  if (size === 0) return;
  if (size > STEP_SUMMARY_LIMIT) {
    const message = `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${STEP_SUMMARY_LIMIT / 1024}k, got ${Math.ceil(size / 1024)}k.`;
    job.channel.annotations.push({ level: "error", message });
    job.write(`##[error]${message}`);
    return;
  }
  job.summaries.push(readFileSync(file, "utf8"));
}

async function runUses(job: Job, def: StepDef, id: string, name: string, scope: ExprScope): Promise<StepResult> {
  const uses = def.uses as string;
  const ref = uses.split("@")[0];
  const inputs = Object.fromEntries(Object.entries(def.with ?? {}).map(([k, v]) => [k, interpolate(toString(v), scope)]));
  const actionDir = job.opts.actions?.[ref] ?? vendoredAction(uses);
  if (actionDir !== undefined) return runComposite(job, actionDir, inputs, id, name);
  const standIn = STAND_INS[ref];
  if (!standIn) throw new Error(`uses: ${uses}: not provided by the stand-in runner`);
  const outputs = standIn({
    with: inputs,
    workspace: job.opts.workspace,
    cacheDir: job.opts.cacheDir,
    artifactsDir: job.opts.artifactsDir,
    checkout: job.opts.checkout,
    permissions: job.permissions,
    environment: job.opts.environment,
    pagesDir: job.opts.pagesDir,
    warn: (message) => {
      job.channel.annotations.push({ level: "warning", message });
      job.write(`##[warning]${message}`);
    },
    log: (m) => job.write(m),
  });
  return { id, name, outcome: "success", conclusion: "success", outputs };
}

interface ActionYaml {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: StepDef[] };
}

/** A composite action: inputs from `with:` and defaults, its own steps context, outputs evaluated at its end. */
export async function runComposite(job: Job, actionDir: string, given: Record<string, string>, id: string, name: string): Promise<StepResult> {
  const file = ["action.yml", "action.yaml"].map((f) => join(actionDir, f)).find(existsSync);
  if (!file) throw new Error(`${actionDir}: no action.yml`);
  const action = parseYaml(readFileSync(file, "utf8")) as ActionYaml;
  if (action.runs?.using !== "composite") throw new Error(`${file}: runs.using is not composite`);
  const declared = action.inputs ?? {};
  const unexpected = Object.keys(given).filter((k) => !(k in declared));
  if (unexpected.length > 0) {
    job.channel.annotations.push({ level: "warning", message: `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']` });
  }
  const base = exprScope(job, {}, [], "success");
  const inputs = Object.fromEntries(Object.entries(declared).map(([k, d]) => [k, k in given ? given[k] : interpolate(toString(d.default), base)]));
  const scope: Scope = { actionPath: actionDir, inputs };
  const { results, status } = await runSteps(job, action.runs.steps, scope);
  const end = exprScope(job, scope, results, status);
  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([k, o]) => [k, interpolate(toString(o.value), end)]));
  const outcome: Outcome = status === "success" ? "success" : "failure";
  return { id, name, outcome, conclusion: outcome, outputs, inner: results };
}
