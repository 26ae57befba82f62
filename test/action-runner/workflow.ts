// A workflow file's jobs through the stand-in: a job's `strategy.matrix` expanded into
// legs (lists only) that run side by side as on GitHub, `needs` and the job's `if:`
// (success() of the needed jobs unless a status function is named), each leg a Job with
// its own RUNNER_TEMP, its token's `permissions:` and its `environment:`.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Annotation } from "./commands.ts";
import { evaluateIf, type JobStatus } from "./expressions.ts";
import { Job, type JobOptions } from "./job.ts";
import { runSteps, type StepDef, type StepResult } from "./steps.ts";
import { effectivePermissions } from "./token.ts";

interface JobDef {
  name?: string;
  needs?: string | string[];
  if?: string;
  strategy?: { matrix?: Record<string, unknown[]>; "fail-fast"?: boolean };
  env?: Record<string, string>;
  permissions?: string | Record<string, string>;
  environment?: string | { name: string; url?: string };
  steps: StepDef[];
}

export interface LegResult {
  job: string;
  matrix: Record<string, unknown>;
  status: JobStatus;
  steps: StepResult[];
  annotations: Annotation[];
  summary: string;
  log: string[];
  workspace: string;
}

export interface WorkflowRunOptions extends Omit<JobOptions, "name" | "workspace" | "matrix" | "strategy" | "needs" | "permissions" | "environment"> {
  /** A workspace per leg (a fresh directory each, as each job gets its own runner). */
  workspace: (job: string, leg: number) => string;
  /** Only these jobs (and in this order); default: every job, in file order. */
  jobs?: string[];
}

/** Every combination of a matrix's lists (no include/exclude: the project's files use none). */
export function expandMatrix(matrix: Record<string, unknown[]> | undefined): Record<string, unknown>[] {
  if (!matrix) return [{}];
  for (const k of ["include", "exclude"]) if (k in matrix) throw new Error(`strategy.matrix.${k}: not supported by the stand-in runner`);
  return Object.entries(matrix).reduce<Record<string, unknown>[]>((legs, [k, values]) => legs.flatMap((leg) => values.map((v) => ({ ...leg, [k]: v }))), [{}]);
}

/**
 * A leg's RUNNER_TEMP: the given path, as on GitHub's hosted runners (where each leg has a
 * machine of its own); legs side by side here share one machine, so each gets `<path>-<n>`.
 */
export function legTemp(runnerTemp: string | undefined, leg: number, legs: number): string | undefined {
  return runnerTemp === undefined || legs === 1 ? runnerTemp : `${runnerTemp}-${leg + 1}`;
}

/** Runs a workflow's jobs one after another in file order; a matrix's legs side by side, as GitHub does. */
export async function runWorkflow(file: string, opts: WorkflowRunOptions): Promise<LegResult[]> {
  const wf = parseYaml(readFileSync(file, "utf8")) as { env?: Record<string, string>; permissions?: JobDef["permissions"]; jobs: Record<string, JobDef> };
  const all: LegResult[] = [];
  const done: Record<string, { result: string; outputs: Record<string, string> }> = {};
  for (const name of opts.jobs ?? Object.keys(wf.jobs)) {
    const def = wf.jobs[name];
    const needs = [def.needs ?? []].flat();
    const needed = Object.fromEntries(needs.map((n) => [n, done[n] ?? { result: "skipped", outputs: {} }]));
    const upstream: JobStatus = needs.every((n) => done[n]?.result === "success") ? "success" : "failure";
    const legs = expandMatrix(def.strategy?.matrix);
    const runLeg = async (matrix: Record<string, unknown>, i: number): Promise<LegResult> => {
      const job = new Job({
        ...opts,
        name,
        workspace: opts.workspace(name, i),
        runnerTemp: legTemp(opts.runnerTemp, i, legs.length),
        matrix,
        needs: needed,
        strategy: { "job-index": i, "job-total": legs.length, "fail-fast": def.strategy?.["fail-fast"] ?? true },
        env: { ...(wf.env ?? {}), ...(def.env ?? {}) },
        permissions: effectivePermissions(wf.permissions, def.permissions),
        environment: typeof def.environment === "string" ? def.environment : def.environment?.name,
      });
      if (!evaluateIf(def.if, { contexts: job.contexts(), status: upstream, workspace: job.opts.workspace })) {
        return { job: name, matrix, status: "success", steps: [], annotations: [], summary: "", log: ["-- job skipped"], workspace: job.opts.workspace };
      }
      const { results: steps, status } = await runSteps(job, def.steps);
      return { job: name, matrix, status, steps, annotations: job.channel.annotations, summary: job.summary, log: job.log, workspace: job.opts.workspace };
    };
    // In matrix order, whichever leg ends first.
    const results = await Promise.all(legs.map(runLeg));
    done[name] = { result: results.every((r) => r.status === "success") ? "success" : "failure", outputs: {} };
    all.push(...results);
  }
  return all;
}
