// .github/workflows/site.yml as GitHub runs it, through the stand-in runner
// (test/action-runner/), on real servers: each job leg in a fresh clone of this tree whose
// two shipped scenarios are swapped for small ones (4 cells, so each of the 4 shards runs
// one), `npm ci` and the CLI for real; artifacts, gh (an earlier run's history) and Pages
// served by the stand-ins. The earlier run is a real run of the same scenarios with another
// Prosody version, recorded as last week's successful site.yml run (a newer failed run
// beside it must be passed over). This week one rule expects a cell to fail that federates,
// with a forged workflow command in its reason: that shard fails (exit 1), and the site is
// still built from every shard and deployed, as site.yml promises.
// Slow (4 shards and the earlier run on real servers). The legs' `npm ci` runs for real
// once; the other legs, with the same lock, get its node_modules linked (npm-ci-cache.ts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunResults } from "../core/types.ts";
import { cloneTree, installFakeGh, recordRun, runWorkflow, type LegResult } from "./action-runner/index.ts";
import { installNpmCiCache } from "./action-runner/npm-ci-cache.ts";
import { ROOT, runCli } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-site-workflow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FORGED = "::error title=Fake::forged by untrusted text";
const OLD = "prosody@13.0.1";
const NEW = "prosody@13.0.7";
// The other server of every run: a second Prosody boots in a fraction of ejabberd's CPU
// (five runs boot one each), and the workflow, not a family, is under test here.
const OTHER = "prosody@0.12.3";

/** A rule that does not hold (the pair federates), its reason carrying a forged command. */
const WRONG_RULE = `  rules:\n    - initiator: ${OTHER}\n      receiver: prosody@13\n      outcome: fails\n      reason: "wrong on purpose\\n${FORGED} (reason)"\n`;
const WRONG_CELL = `${OTHER} → prosody@13.0.7 [server-only, dialback off]`;

/** The two shipped scenario files, made small: the same names, 2 cells each; `wrong`: with WRONG_RULE. */
function scenarios(prosody: string, wrong: boolean): Record<string, string> {
  const one = (name: string, certificate: string, rules = "") =>
    `name: "${name}"\nservers: [${prosody}, ${OTHER}]\ncertificates: [${certificate}]\ndialback: [off]\npairs: cross\nexpect:\n  default: federates\n${rules}`;
  return {
    "letsencrypt-2026.yaml": one("Small Let's Encrypt", "server-only", wrong ? WRONG_RULE : ""),
    "certificate-profiles.yaml": one("Small certificate profiles", "dual-eku"),
  };
}

const writeScenarios = (into: string, prosody: string, wrong = false) => {
  for (const [file, text] of Object.entries(scenarios(prosody, wrong))) writeFileSync(join(into, file), text);
};

const results = (file: string): RunResults => JSON.parse(readFileSync(file, "utf8"));
const ls = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);
const runId = "7001";
const today = new Date().toISOString().slice(0, 10);

let legs: LegResult[];
let lastWeek: string;
const pages = join(dir, "pages");
const artifacts = join(dir, "artifacts");

beforeAll(async () => {
  // Last week's run: the same scenario files with the older Prosody.
  const old = join(dir, "old-scenarios");
  mkdirSync(old);
  writeScenarios(old, OLD);
  const r = await runCli(["run", join(old, "letsencrypt-2026.yaml"), join(old, "certificate-profiles.yaml"), "--out", join(dir, "old"), "--no-retry"], { timeoutMs: 480_000 });
  expect(r.code, r.stderr).toBe(0);
  const history = join(dir, "old-history");
  mkdirSync(history);
  lastWeek = `${results(join(dir, "old", "results.json")).startedAt.slice(0, 10)}-41.json`;
  writeFileSync(join(history, lastWeek), readFileSync(join(dir, "old", "results.json")));
  const failedHistory = join(dir, "failed-history");
  mkdirSync(failedHistory);
  writeFileSync(join(failedHistory, "from-a-failed-run.json"), "{}");
  const runs = join(dir, "runs");
  recordRun(runs, { id: 41, workflow: "site.yml", conclusion: "success", createdAt: "2026-11-30T04:17:00Z" }, { "s2s-site-history": history });
  recordRun(runs, { id: 42, workflow: "site.yml", conclusion: "failure", createdAt: "2026-12-01T04:17:00Z" }, { "s2s-site-history": failedHistory });
  installFakeGh(join(dir, "tools"), runs);
  installNpmCiCache(join(dir, "tools"), join(dir, "node-modules"));

  legs = await runWorkflow(join(ROOT, ".github", "workflows", "site.yml"), {
    workspace: (job, leg) => join(dir, `${job}-${leg}`),
    cacheDir: join(dir, "cache"),
    artifactsDir: artifacts,
    runnerTemp: join(dir, "_temp"),
    pagesDir: pages,
    runId,
    toolPath: [join(dir, "tools")],
    checkout: (ws) => {
      rmSync(ws, { recursive: true, force: true });
      cloneTree(ROOT, ws);
      writeScenarios(join(ws, "scenarios"), NEW, true);
    },
    echo: process.env.S2S_RUNNER_ECHO ? (l) => process.stderr.write(l) : undefined,
  });
}, 1_800_000);

const leg = (job: string, i = 0) => legs.filter((l) => l.job === job)[i];
const logOf = (l: LegResult) => l.log.join("\n");

/** The log lines of one step (between the runner's `-- step:` line and its `-- <outcome>` line). */
function stepLog(l: LegResult, name: string): string[] {
  const from = l.log.indexOf(`-- step: ${name}`);
  const to = l.log.findIndex((line, i) => i > from && line.startsWith("-- ") && line.endsWith(`: ${name}`));
  return l.log.slice(from + 1, to);
}

describe("site.yml through the stand-in runner, on a small scenario", () => {
  test("4 shards of one cell each; the one with the unexpected cell fails (exit 1), its results still uploaded, merged, built and deployed", () => {
    const shardLegs = legs.filter((l) => l.job === "shard");
    const failed = shardLegs.filter((l) => l.status === "failure");
    expect(failed).toHaveLength(1);
    expect(failed[0].steps.find((s) => s.name === "Run the shard")?.exitCode).toBe(1);
    for (const l of [...shardLegs.filter((x) => x !== failed[0]), leg("site"), leg("deploy")]) expect(l.status, logOf(l).slice(-4000)).toBe("success");
    const shards = [1, 2, 3, 4].map((i) => results(join(artifacts, `s2s-site-shard-${i}`, "results.json")));
    expect(shards.map((s) => [s.shard?.index, s.shard?.count, s.cells.length])).toEqual([1, 2, 3, 4].map((i) => [i, 4, 1]));
    const merged = results(join(leg("site").workspace, "merged", "results.json"));
    expect(merged.cells.map((c) => c.spec.id).sort()).toEqual(shards.map((s) => s.cells[0].spec.id).sort());
    expect(merged.cells.filter((c) => !c.asExpected).map((c) => c.spec.id)).toEqual([WRONG_CELL]);
    // One real `npm ci` (the first shard's); the other four legs' came from it.
    const linked = legs.filter((l) => stepLog(l, "Install dependencies").some((line) => line.startsWith("stand-in npm: node_modules linked")));
    expect(linked.map((l) => l.job)).toEqual(["shard", "shard", "shard", "site"]);
  });

  test("the s2s-matrix steps run while the runner takes no commands; the forged one in a rule's reason commanded nothing", () => {
    const wrapped = [...[0, 1, 2, 3].map((i) => [leg("shard", i), "Run the shard"] as const), [leg("site"), "Merge"] as const, [leg("site"), "Build the site"] as const];
    for (const [l, step] of wrapped) {
      const lines = stepLog(l, step);
      const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[0] ?? "")?.[1];
      expect(token, `${l.job} ${step}: ${lines.slice(0, 3).join(" | ")}`).toBeDefined();
      expect(lines).toContain(`::${token}::`);
    }
    expect(legs.some((l) => logOf(l).includes("forged by untrusted text (reason)"))).toBe(true);
    const annotations = legs.flatMap((l) => l.annotations);
    expect(annotations.filter((a) => a.title === "Fake")).toEqual([]);
    expect(annotations.filter((a) => a.level === "error").map((a) => a.message)).toEqual(["Process completed with exit code 1."]);
  });

  test("the history: last week's successful run fetched with gh (not the newer failed one), this week's added and handed on", () => {
    const here = `${today}-${runId}.json`;
    expect(ls(join(leg("site").workspace, "history"))).toEqual([lastWeek, here].sort());
    expect(ls(join(artifacts, "s2s-site-history"))).toEqual([lastWeek, here].sort());
    expect(readFileSync(join(artifacts, "s2s-site-history", here), "utf8")).toBe(readFileSync(join(leg("site").workspace, "merged", "results.json"), "utf8"));
  });

  test("Pages: the artifact is the site's tar; the deployed site has its overview, version pages and a history naming the Prosody upgrade", () => {
    expect(ls(join(artifacts, "github-pages"))).toEqual(["artifact.tar"]);
    const listed = execFileSync("tar", ["-tf", join(artifacts, "github-pages", "artifact.tar")], { encoding: "utf8" }).split("\n");
    for (const f of ["./index.html", "./history.html", "./index.json", "./v/prosody-13.0.7.html", "./v/prosody-0.12.3.html"]) expect(listed).toContain(f);
    expect(leg("deploy").steps.find((s) => s.id === "deployment")?.outputs.page_url).toMatch(/^https:\/\//);
    const deployed = readdirSync(pages, { recursive: true }).map(String).filter((f) => statSync(join(pages, f)).isFile());
    expect(deployed.map((f) => `./${f}`).sort()).toEqual(listed.filter((f) => f && !f.endsWith("/")).sort());
    const history = readFileSync(join(pages, "history.html"), "utf8");
    expect(history).toContain("prosody 13.0.1 → 13.0.7");
    expect(readFileSync(join(pages, "index.html"), "utf8")).toContain("prosody 0.12.3");
  });
});
