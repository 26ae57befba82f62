// site.yml's steps that need no server, each run through the stand-in runner as they
// stand in the file: fetching the earlier runs' history with gh (its token's permissions,
// the failed run passed over, the 12 newest kept), and the Pages jobs (upload-pages-artifact's
// own steps, deploy-pages refusing what GitHub refuses), and three weeks of fetch, build and
// keep on real runs (test/site-data.ts), the history chained. The whole workflow on real servers:
// test/site-workflow.int.test.ts.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { installFakeGh, recordRun, runWorkflow, type LegResult, type StepDef } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";
import { SITE_RUNS, siteRun, writeSiteRun } from "./site-data.ts";

const base = mkdtempSync(join(tmpdir(), "s2s-site-steps-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

interface JobDef {
  permissions?: unknown;
  environment?: unknown;
  steps: StepDef[];
}
const siteYml = () => parseYaml(readFileSync(join(ROOT, ".github", "workflows", "site.yml"), "utf8")) as { permissions: unknown; jobs: Record<string, JobDef> };

/** One job (a changed copy of one of site.yml's, or steps of it) run alone in a fresh directory. */
async function runJob(job: JobDef, prepare: (ws: string, d: string) => void = () => {}, workflowPermissions = siteYml().permissions, runId = "7001"): Promise<LegResult & { dir: string }> {
  const d = join(base, String(++n));
  const ws = join(d, "ws");
  mkdirSync(ws, { recursive: true });
  prepare(ws, d);
  const file = join(d, "wf.yml");
  // Alone: what it `needs` is given (the artifacts, the workspace) instead of run.
  const { needs: _, ...alone } = job as JobDef & { needs?: unknown };
  writeFileSync(file, stringify({ on: "workflow_dispatch", permissions: workflowPermissions, jobs: { job: { "runs-on": "ubuntu-latest", ...alone } } }));
  const [leg] = await runWorkflow(file, {
    workspace: () => ws,
    cacheDir: join(d, "cache"),
    artifactsDir: join(d, "artifacts"),
    runnerTemp: join(d, "temp"),
    pagesDir: join(d, "pages"),
    runId,
    toolPath: [join(d, "tools")],
  });
  return { ...leg, dir: d };
}

const errors = (leg: LegResult) => leg.annotations.filter((a) => a.level === "error").map((a) => a.message);

describe("site.yml: the previous runs' history, fetched with gh", () => {
  const fetch = (): JobDef => {
    const site = siteYml().jobs.site;
    return { permissions: site.permissions, steps: site.steps.filter((s) => s.name === "Fetch the previous runs' results") };
  };
  const today = new Date().toISOString().slice(0, 10);

  /** This week's merged results and, in the fake gh, a successful run with `files` as history and a newer failed one. */
  const world = (files: string[]) => (ws: string, d: string) => {
    mkdirSync(join(ws, "merged"));
    writeFileSync(join(ws, "merged", "results.json"), "this week\n");
    const good = join(d, "good");
    const failed = join(d, "failed");
    mkdirSync(good);
    mkdirSync(failed);
    for (const f of files) writeFileSync(join(good, f), `${f}\n`);
    writeFileSync(join(failed, "2026-12-01-42.json"), "from a failed run\n");
    recordRun(join(d, "runs"), { id: 41, workflow: "site.yml", conclusion: "success", createdAt: "2026-11-30T04:17:00Z" }, { "s2s-site-history": good });
    recordRun(join(d, "runs"), { id: 42, workflow: "site.yml", conclusion: "failure", createdAt: "2026-12-01T04:17:00Z" }, { "s2s-site-history": failed });
    recordRun(join(d, "runs"), { id: 43, workflow: "other.yml", conclusion: "success", createdAt: "2026-12-02T04:17:00Z" }, { "s2s-site-history": failed });
    installFakeGh(join(d, "tools"), join(d, "runs"));
  };
  const history = (leg: { dir: string }) => readdirSync(join(leg.dir, "ws", "history")).sort();

  it("takes the last successful site.yml run's history and adds this run's results", async () => {
    const leg = await runJob(fetch(), world(["2026-11-23-40.json", "2026-11-30-41.json"]));
    expect(leg.status, leg.log.join("\n")).toBe("success");
    expect(history(leg)).toEqual(["2026-11-23-40.json", "2026-11-30-41.json", `${today}-7001.json`]);
    expect(readFileSync(join(leg.dir, "ws", "history", `${today}-7001.json`), "utf8")).toBe("this week\n");
  });

  it("keeps the 12 newest runs", async () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `2026-09-${String(i + 1).padStart(2, "0")}-${i}.json`);
    const leg = await runJob(fetch(), world(twelve));
    expect(history(leg)).toEqual([...twelve.slice(1), `${today}-7001.json`]);
  });

  it("without `actions: read` the token cannot list the runs: the site starts a new history, and says why", async () => {
    const job = { ...fetch(), permissions: { contents: "read" } };
    const leg = await runJob(job, world(["2026-11-30-41.json"]));
    expect(leg.status).toBe("success");
    expect(history(leg)).toEqual([`${today}-7001.json`]);
    expect(leg.log).toContainEqual(expect.stringContaining("HTTP 403: Resource not accessible by integration"));
    expect(leg.log).toContain("could not list earlier runs");
  });
});

describe("site.yml: the site to GitHub Pages", () => {
  const upload = (): JobDef => ({ steps: siteYml().jobs.site.steps.filter((s) => s.name === "Upload the site for Pages") });
  const deploy = (): JobDef => siteYml().jobs.deploy;
  /** A built site with a symbolic link and a hidden file, as upload-pages-artifact meets them. */
  const site = (ws: string) => {
    mkdirSync(join(ws, "_site", "v"), { recursive: true });
    writeFileSync(join(ws, "_site", "index.html"), "<!doctype html><title>overview</title>\n");
    writeFileSync(join(ws, "_site", "v", "prosody-13.0.7.html"), "<!doctype html><title>prosody</title>\n");
    writeFileSync(join(ws, "_site", ".hidden"), "left out\n");
    symlinkSync("index.html", join(ws, "_site", "latest.html"));
  };

  /** site.yml's upload step, then `job` in the same workflow run (its artifacts). */
  async function uploadThen(job: JobDef): Promise<LegResult & { dir: string }> {
    const up = await runJob(upload(), site);
    expect(up.status, up.log.join("\n")).toBe("success");
    expect(up.steps[0].inner?.filter((s) => s.outcome === "success").map((s) => s.name)).toEqual(["Archive artifact", "Upload artifact"]);
    return runJob(job, (ws, d) => {
      mkdirSync(d, { recursive: true });
      symlinkSync(join(up.dir, "artifacts"), join(d, "artifacts"));
    });
  }

  it("upload-pages-artifact's own steps tar the site (links followed, hidden files left out); deploy-pages publishes it", async () => {
    const leg = await uploadThen(deploy());
    expect(leg.status, leg.log.join("\n")).toBe("success");
    const pages = join(leg.dir, "pages");
    expect(readdirSync(pages, { recursive: true }).map(String).sort()).toEqual(["index.html", "latest.html", "v", "v/prosody-13.0.7.html"]);
    expect(readFileSync(join(pages, "latest.html"), "utf8")).toBe(readFileSync(join(pages, "index.html"), "utf8"));
    expect(leg.steps[0].outputs.page_url).toMatch(/^https:\/\//);
  });

  it("deploy-pages refuses a job without `id-token: write`, without `pages: write`, or without an environment, with GitHub's words", async () => {
    const cases: [JobDef, RegExp][] = [
      [{ ...deploy(), permissions: { pages: "write" } }, /permission "id-token: write"/],
      [{ ...deploy(), permissions: { "id-token": "write" } }, /status: 403.*permission "pages: write"/],
      [{ ...deploy(), environment: undefined }, /Missing environment/],
    ];
    for (const [job, message] of cases) {
      const leg = await uploadThen(job);
      expect(leg.status).toBe("failure");
      expect(errors(leg).join("\n")).toMatch(message);
    }
  });

  it("deploy-pages refuses an artifact that is not one tar, and a run with no Pages artifact", async () => {
    const plain = await runJob({ steps: [{ uses: "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02", with: { name: "github-pages", path: "_site/" } }] }, site);
    const leg = await runJob(deploy(), (ws, d) => symlinkSync(join(plain.dir, "artifacts"), join(d, "artifacts")));
    expect(errors(leg).join("\n")).toMatch(/Artifact could not be deployed.*not one tar/);
    const none = await runJob(deploy());
    expect(errors(none).join("\n")).toMatch(/No artifacts named "github-pages" were found/);
  });

  it("a pin other than the vendored upload-pages-artifact's is refused by name", async () => {
    const job = upload();
    job.steps[0] = { ...job.steps[0], uses: "actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa" };
    const leg = await runJob(job, site);
    expect(errors(leg).join("\n")).toMatch(/has actions\/upload-pages-artifact at fc324d3547104276b827a68afc52ff2a11cc49c9 only/);
  });
});

describe("site.yml: three weeks of real runs, each week's site with the earlier weeks as history", () => {
  const STEPS = ["Fetch the previous runs' results", "Build the site", "Keep the history for next week"];
  const weekJob = (): JobDef => {
    const site = siteYml().jobs.site;
    return { permissions: site.permissions, steps: site.steps.filter((s) => STEPS.includes(s.name!)) };
  };
  const runs = join(base, "recorded-runs");
  const tools = join(base, "week-tools");
  installFakeGh(tools, runs);

  /** Week `k` (1…3): SITE_RUNS[k-1] is what the shards merged; the earlier weeks are recorded site.yml runs. */
  async function week(k: number) {
    const runId = String(7100 + k);
    const leg = await runJob(
      weekJob(),
      (ws, d) => {
        // The checkout: the CLI and the scripts of this tree (npx finds bin/ through package.json).
        for (const f of ["package.json", "bin", "scripts", "node_modules"]) symlinkSync(join(ROOT, f), join(ws, f));
        writeSiteRun(SITE_RUNS[k - 1]!, join(ws, "merged"), "results.json");
        mkdirSync(join(d, "tools"), { recursive: true });
        symlinkSync(join(tools, "gh"), join(d, "tools", "gh"));
      },
      siteYml().permissions,
      runId,
    );
    expect(leg.status, leg.log.join("\n")).toBe("success");
    recordRun(runs, { id: Number(runId), workflow: "site.yml", conclusion: "success", createdAt: `2026-12-${String(k * 7).padStart(2, "0")}T04:17:00Z` }, { "s2s-site-history": join(leg.dir, "artifacts", "s2s-site-history") });
    return leg;
  }

  it("week 3's site chains run 1 → 2 → 3 in its history; its history artifact holds the three results as given", async () => {
    const legs = [await week(1), await week(2), await week(3)];
    const data = SITE_RUNS.map(siteRun);
    const site = (k: number, f: string) => readFileSync(join(legs[k - 1]!.dir, "ws", "_site", f), "utf8");
    const steps = (k: number) => (JSON.parse(site(k, "history.json")) as { steps: { from?: { runId: string }; to: { runId: string; startedAt: string } }[] }).steps;
    // Newest first: run 3 compared with run 2, run 2 with run 1, run 1 the first.
    const [r1, r2, r3] = data.map((r) => r.runId);
    expect(steps(3).map((s) => [s.from?.runId, s.to.runId])).toEqual([[r2, r3], [r1, r2], [undefined, r1]]);
    expect(steps(3).map((s) => s.to.startedAt)).toEqual([data[2]!.startedAt, data[1]!.startedAt, data[0]!.startedAt]);
    expect(steps(2).map((s) => [s.from?.runId, s.to.runId])).toEqual([[r1, r2], [undefined, r1]]);
    expect(steps(1).map((s) => [s.from?.runId, s.to.runId])).toEqual([[undefined, r1]]);
    // The page says it too: each run's id, and the run it was compared with.
    const page = site(3, "history.html");
    expect(page).toContain(`run ${r3} compared with run ${r2}`);
    expect(page).toContain(`run ${r2} compared with run ${r1}`);
    // The overview is this week's run; the history handed on is the three results, byte for byte.
    expect(JSON.parse(site(3, "index.json")).runs.map((r: { runId: string }) => r.runId)).toEqual([r3]);
    const kept = join(legs[2]!.dir, "artifacts", "s2s-site-history");
    const files = readdirSync(kept).sort();
    expect(files.map((f) => f.replace(/^\d{4}-\d\d-\d\d-/, ""))).toEqual(["7101.json", "7102.json", "7103.json"]);
    files.forEach((f, i) => {
      expect(JSON.parse(readFileSync(join(kept, f), "utf8")).runId).toBe(data[i]!.runId);
      expect(readFileSync(join(kept, f), "utf8")).toBe(readFileSync(join(legs[i]!.dir, "ws", "merged", "results.json"), "utf8"));
    });
  }, 600_000);
});
