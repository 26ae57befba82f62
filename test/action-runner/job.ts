// One job's runtime: its directories, its environment, its command channel, its log and
// job summary; what every step of the job shares.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandChannel } from "./commands.ts";
import type { JobStatus } from "./expressions.ts";
import { effectivePermissions, tokenFor, type Permissions } from "./token.ts";

/** The few variables of the host a runner's step sees (its PATH, HOME, Docker endpoint). */
// npm_config_prefer_offline: the integration project sets it (vitest.config.ts).
const HOST_ENV = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOCKER_HOST", "DOCKER_CONFIG", "npm_config_cache", "npm_config_prefer_offline"];

/** GitHub's limit on one step's summary (1 MiB): a bigger one is not shown, with an error. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

export interface JobOptions {
  /** Names the job (github.job, GITHUB_JOB). */
  name: string;
  workspace: string;
  /** Directory of the Actions cache; shared across runs so that a later run finds what an earlier one saved. */
  cacheDir: string;
  /** Directory of the workflow run's artifacts; shared across the run's jobs. */
  artifactsDir: string;
  /** Composite actions that `uses:` may name, by name without @ref (e.g. "owner/s2s-matrix" or "./"). */
  actions?: Record<string, string>;
  checkout?: (workspace: string) => void;
  matrix?: Record<string, unknown>;
  strategy?: { "job-index": number; "job-total": number; "fail-fast": boolean };
  needs?: Record<string, { result: string; outputs: Record<string, string> }>;
  env?: Record<string, string>;
  runAttempt?: number;
  /**
   * RUNNER_TEMP, emptied when the job starts; the same path for every job, as on GitHub's
   * hosted runners (the cache's version hashes the paths, runner.temp included), but
   * `<path>-<n>` for the legs of a matrix, which share this machine (workflow.ts: legTemp).
   * Default: a new temp dir.
   */
  runnerTemp?: string;
  /** Echo the job's log lines here as they come (e.g. process.stderr.write); default: kept only. */
  echo?: (line: string) => void;
  /** GITHUB_TOKEN's permissions (token.ts: effectivePermissions); default: the restricted default. */
  permissions?: Permissions;
  /** `environment:` of the job (its name), which deployments require. */
  environment?: string;
  /** github.run_id / GITHUB_RUN_ID; default "1". */
  runId?: string;
  /** Directories in front of PATH: tools the runner image has (ubuntu-latest has gh; here a stand-in). */
  toolPath?: string[];
  /** Where actions/deploy-pages' stand-in publishes the site (emptied per deployment). */
  pagesDir?: string;
}

/** The repository every stand-in job belongs to (github.repository, GITHUB_REPOSITORY). */
export const REPOSITORY = "example/s2s-matrix";

export class Job {
  readonly temp: string;
  readonly channel = new CommandChannel();
  readonly log: string[] = [];
  /** One entry per step that wrote to $GITHUB_STEP_SUMMARY and was within the limit. */
  readonly summaries: string[] = [];
  status: JobStatus = "success";
  /** Accumulated $GITHUB_ENV (and the job's `env:`). */
  readonly env: Record<string, string>;
  private seq = 0;

  constructor(readonly opts: JobOptions) {
    if (opts.runnerTemp) {
      rmSync(opts.runnerTemp, { recursive: true, force: true });
      mkdirSync(opts.runnerTemp, { recursive: true });
    }
    this.temp = opts.runnerTemp ?? mkdtempSync(join(tmpdir(), "s2s-runner-temp-"));
    mkdirSync(opts.workspace, { recursive: true });
    this.env = { ...(opts.env ?? {}) };
    // The image's tools are on PATH before any step runs (a step's $GITHUB_PATH goes in front of them).
    if (opts.toolPath?.length) this.env.PATH = [...opts.toolPath, this.env.PATH ?? process.env.PATH ?? ""].join(":");
  }

  get runId(): string {
    return this.opts.runId ?? "1";
  }

  get permissions(): Permissions {
    return this.opts.permissions ?? effectivePermissions(undefined, undefined);
  }

  get summary(): string {
    return this.summaries.join("");
  }

  /** A fresh file name under RUNNER_TEMP, as the runner gives each step its own command files. */
  file(prefix: string): string {
    return join(this.temp, `${prefix}_${++this.seq}`);
  }

  write(line: string): void {
    const masked = this.channel.mask(line);
    this.log.push(masked);
    this.opts.echo?.(`${masked}\n`);
  }

  /** The environment of a `run:` step (before its own `env:`). */
  runnerEnv(files: { output: string; env: string; summary: string; path: string; state: string }, actionPath?: string): Record<string, string> {
    const host = Object.fromEntries(HOST_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
    return {
      ...host,
      CI: "true",
      GITHUB_ACTIONS: "true",
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      RUNNER_TEMP: this.temp,
      GITHUB_WORKSPACE: this.opts.workspace,
      GITHUB_JOB: this.opts.name,
      GITHUB_RUN_ID: this.runId,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_RUN_NUMBER: "1",
      GITHUB_RUN_ATTEMPT: String(this.opts.runAttempt ?? 1),
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      GITHUB_STATE: files.state,
      ...(actionPath ? { GITHUB_ACTION_PATH: actionPath } : {}),
      ...this.env,
    };
  }

  /** The contexts every expression of the job sees (steps/inputs/env added per scope). */
  contexts(): Record<string, unknown> {
    const o = this.opts;
    return {
      github: {
        job: o.name,
        workspace: o.workspace,
        event_name: "pull_request",
        run_id: this.runId,
        run_attempt: String(o.runAttempt ?? 1),
        repository: REPOSITORY,
        token: tokenFor(this.permissions),
        ref: "refs/pull/1/merge",
        action_path: "",
      },
      runner: { os: "Linux", arch: "X64", temp: this.temp, name: "stand-in", environment: "self-hosted" },
      strategy: o.strategy ?? { "job-index": 0, "job-total": 1, "fail-fast": true },
      matrix: o.matrix ?? {},
      needs: o.needs ?? {},
      job: { status: this.status },
      vars: {},
      secrets: {},
    };
  }
}
