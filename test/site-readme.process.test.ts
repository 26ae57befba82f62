// README's "three lines publish it" recipe is a workflow that works: its lines, with the
// permissions and environment the README says the job needs, run through the stand-in
// runner (test/action-runner/) after a step that leaves a run's results.json where
// `s2s-matrix run` writes it; upload-pages-artifact's own steps tar the site, deploy-pages'
// stand-in checks and publishes it. The recipe also says what site.yml does: same pinned
// actions, same permissions and environment for the deployment.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { sampleResults } from "../harness/report/fixtures.ts";
import { runWorkflow, type StepDef } from "./action-runner/index.ts";
import { ROOT } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-site-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's "Publish a site" recipe: its steps, and the job settings its prose asks for. */
function recipe(): { steps: StepDef[]; permissions: Record<string, string>; environment: string } {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf("Three lines publish it");
  expect(at, "README: the paragraph 'Three lines publish it' is gone").toBeGreaterThan(0);
  const prose = readme.slice(at, readme.indexOf("```yaml", at));
  const setting = (key: string) => parseYaml(new RegExp("`(" + key + ": [^`]+)`").exec(prose)?.[1] ?? "")?.[key];
  const from = readme.indexOf("```yaml\n", at) + "```yaml\n".length;
  const steps = parseYaml(readme.slice(from, readme.indexOf("```", from))) as StepDef[];
  return { steps, permissions: setting("permissions"), environment: setting("environment") };
}

/** A user's project with s2s-matrix installed (npm's bin link) and a finished run's results.json. */
function project(): string {
  const ws = join(dir, "ws");
  mkdirSync(join(ws, "node_modules", ".bin"), { recursive: true });
  writeFileSync(join(ws, "package.json"), JSON.stringify({ name: "our-xmpp", private: true }));
  symlinkSync(join(ROOT, "bin", "s2s-matrix.js"), join(ws, "node_modules", ".bin", "s2s-matrix"));
  writeFileSync(join(dir, "results.json"), JSON.stringify(sampleResults()));
  return ws;
}

describe("README's three lines that publish a site", () => {
  const r = recipe();

  it("are three steps, and site.yml deploys with the same pinned actions, permissions and environment", () => {
    expect(r.steps).toHaveLength(3);
    const site = parseYaml(readFileSync(join(ROOT, ".github", "workflows", "site.yml"), "utf8"));
    const uses = Object.values(site.jobs as Record<string, { steps: StepDef[] }>).flatMap((j) => j.steps.map((s) => s.uses).filter(Boolean));
    for (const step of r.steps.filter((s) => s.uses)) expect(uses).toContain(step.uses);
    expect(r.permissions).toEqual(site.jobs.deploy.permissions);
    expect(r.environment).toBe(site.jobs.deploy.environment.name);
  });

  it("run after a matrix run, they build the site, tar it and deploy it", async () => {
    const ws = project();
    const file = join(dir, "pages.yml");
    // The run step is a stand-in for `npx s2s-matrix run …` (this test has no Docker): its results.json.
    const made: StepDef = { name: "a finished run", run: `mkdir -p s2s-matrix-report && cp ../results.json s2s-matrix-report/results.json` };
    const job = { "runs-on": "ubuntu-latest", permissions: r.permissions, environment: r.environment, steps: [made, ...r.steps] };
    writeFileSync(file, stringify({ on: "workflow_dispatch", jobs: { pages: job } }));
    const pages = join(dir, "pages");
    const [leg] = await runWorkflow(file, { workspace: () => ws, cacheDir: join(dir, "cache"), artifactsDir: join(dir, "artifacts"), runnerTemp: join(dir, "temp"), pagesDir: pages });
    expect(leg.status, leg.log.join("\n").slice(-3000)).toBe("success");
    expect(leg.annotations.filter((a) => a.level === "error")).toEqual([]);
    // upload-pages-artifact ran its own steps: the tar, then the artifact upload.
    const upload = leg.steps[2];
    expect(upload.inner?.filter((s) => s.outcome === "success").map((s) => s.name)).toEqual(["Archive artifact", "Upload artifact"]);
    expect(readdirSync(join(dir, "artifacts", "github-pages"))).toEqual(["artifact.tar"]);
    expect(leg.steps[3].outputs.page_url).toMatch(/^https:\/\//);
    // The deployed tree: the overview, the history and a page per server version of the run.
    const versions = [...new Set(sampleResults().cells.flatMap((c) => [c.spec.initiator.server, c.spec.receiver.server]))];
    const deployed = readdirSync(pages, { recursive: true }).map(String).sort();
    expect(deployed).toEqual(expect.arrayContaining(["index.html", "history.html", "index.json", ...versions.map((v) => `v/${v.replace("@", "-")}.html`)]));
    expect(readFileSync(join(pages, "index.html"), "utf8")).toContain("Content-Security-Policy");
  });
});
