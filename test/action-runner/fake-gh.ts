// A stand-in for the GitHub CLI of the runner image, for what a workflow fetches from its
// earlier runs: `gh run list` and `gh run download`, served from a directory of recorded
// runs instead of GitHub's API. As the API does, it wants a token (GH_TOKEN) that may read
// actions (token.ts) and the repository the job runs in; --jq goes through jq, which the
// runner image also has. Anything else is refused by name. Run as `gh` by installFakeGh.
//   runs/<id>/run.json  {"workflow": "site.yml", "conclusion": "success", "createdAt": "…"}
//   runs/<id>/artifacts/<name>/…  the run's artifacts
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { REPOSITORY } from "./job.ts";
import { allows, tokenPermissions } from "./token.ts";

export interface RecordedRun {
  id: number;
  workflow: string;
  conclusion: "success" | "failure" | "cancelled";
  createdAt: string;
}

/** Records a finished run and copies its artifacts (a stand-in run's artifactsDir, or chosen ones). */
export function recordRun(runsDir: string, run: RecordedRun, artifacts: Record<string, string>): void {
  const dir = join(runsDir, String(run.id));
  mkdirSync(join(dir, "artifacts"), { recursive: true });
  writeFileSync(join(dir, "run.json"), JSON.stringify(run));
  for (const [name, from] of Object.entries(artifacts)) cpSync(from, join(dir, "artifacts", name), { recursive: true });
}

const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

/** Writes `gh` into toolDir (for JobOptions.toolPath), serving the runs recorded in runsDir. */
export function installFakeGh(toolDir: string, runsDir: string): void {
  mkdirSync(toolDir, { recursive: true });
  mkdirSync(runsDir, { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(join(toolDir, "gh"), `#!/bin/sh\nexec ${q(TSX)} ${q(fileURLToPath(import.meta.url))} ${q(resolve(runsDir))} "$@"\n`);
  chmodSync(join(toolDir, "gh"), 0o755);
}

class GhError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** `--flag value` / `-f value` pairs and positionals; a flag not in `known` is refused as gh does. */
function parseArgs(args: string[], known: Record<string, string>): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-")) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.split(/=(.*)/s, 2);
    const long = known[name];
    if (!long) throw new GhError(`unknown flag: ${name}`);
    flags[long] = inline ?? args[++i] ?? "";
  }
  return { flags, positional };
}

function runs(runsDir: string): RecordedRun[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .map((d) => JSON.parse(readFileSync(join(runsDir, d, "run.json"), "utf8")) as RecordedRun)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
}

/** The API's answer to a token that may not read the repository's actions. */
function authorize(env: NodeJS.ProcessEnv, repo: string | undefined, path: string): void {
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (!token) {
    throw new GhError("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}", 4);
  }
  if (repo === undefined) throw new GhError("fake gh: give -R <owner/repo> (the stand-in reads no git remote)", 2);
  const url = `https://api.github.com/repos/${repo}/${path}`;
  if (repo !== REPOSITORY) throw new GhError(`HTTP 404: Not Found (${url})`);
  if (!allows(tokenPermissions(token)?.actions, "read")) throw new GhError(`HTTP 403: Resource not accessible by integration (${url})`);
}

const FIELDS: Record<string, (r: RecordedRun) => unknown> = {
  databaseId: (r) => r.id,
  conclusion: (r) => r.conclusion,
  status: () => "completed",
  workflowName: (r) => r.workflow,
  createdAt: (r) => r.createdAt,
};

function runList(runsDir: string, args: string[], env: NodeJS.ProcessEnv): string {
  const { flags } = parseArgs(args, { "-R": "repo", "--repo": "repo", "-w": "workflow", "--workflow": "workflow", "-s": "status", "--status": "status", "-L": "limit", "--limit": "limit", "--json": "json", "-q": "jq", "--jq": "jq" });
  authorize(env, flags.repo, "actions/runs");
  if (flags.json === undefined) throw new GhError("fake gh: run list without --json is not supported (its table is for people)", 2);
  const fields = flags.json.split(",");
  const unknown = fields.find((f) => !FIELDS[f]);
  if (unknown) throw new GhError(`Unknown JSON field: "${unknown}"`);
  const status = flags.status;
  const chosen = runs(runsDir)
    .filter((r) => flags.workflow === undefined || r.workflow === flags.workflow)
    .filter((r) => status === undefined || status === "completed" || r.conclusion === status)
    .slice(0, Number(flags.limit ?? 20));
  const json = JSON.stringify(chosen.map((r) => Object.fromEntries(fields.map((f) => [f, FIELDS[f](r)]))));
  if (flags.jq === undefined) return `${json}\n`;
  const jq = spawnSync("jq", ["-r", flags.jq], { input: json, encoding: "utf8" });
  if (jq.error) throw new GhError(`fake gh: --jq needs jq on PATH (${jq.error.message})`, 2);
  if (jq.status !== 0) throw new GhError(jq.stderr.trim());
  return jq.stdout;
}

function runDownload(runsDir: string, args: string[], env: NodeJS.ProcessEnv): string {
  const { flags, positional } = parseArgs(args, { "-R": "repo", "--repo": "repo", "-n": "name", "--name": "name", "-D": "dir", "--dir": "dir" });
  const id = positional[0];
  if (!/^\d+$/.test(id ?? "")) throw new GhError("fake gh: give the run's id (the stand-in does not prompt)", 2);
  authorize(env, flags.repo, `actions/runs/${id}/artifacts`);
  const run = join(runsDir, id);
  if (!existsSync(join(run, "run.json"))) throw new GhError(`HTTP 404: Not Found (https://api.github.com/repos/${flags.repo}/actions/runs/${id}/artifacts)`);
  const names = readdirSync(join(run, "artifacts")).filter((n) => flags.name === undefined || n === flags.name);
  if (names.length === 0) throw new GhError("no valid artifacts found to download");
  // gh puts a single named artifact straight into the directory, several into one folder each.
  const dest = flags.dir ?? ".";
  for (const n of names) cpSync(join(run, "artifacts", n), flags.name !== undefined ? dest : join(dest, n), { recursive: true });
  return "";
}

function main(argv: string[]): number {
  const [runsDir, group, command, ...rest] = argv;
  try {
    if (group === "run" && command === "list") process.stdout.write(runList(runsDir, rest, process.env));
    else if (group === "run" && command === "download") process.stdout.write(runDownload(runsDir, rest, process.env));
    else throw new GhError(`fake gh: \`gh ${[group, command].filter(Boolean).join(" ")}\` is not supported by the stand-in (run list, run download)`, 2);
    return 0;
  } catch (e) {
    if (!(e instanceof GhError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return e.code;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
