// The GitHub Actions files, checked by GitHub's own parser (@actions/workflow-parser, the
// library behind the Actions language service): schema, expressions, required keys.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ActionRunsComposite, ActionTemplate } from "@actions/workflow-parser/actions/index";
import { Ajv } from "ajv";
import { tsImport } from "tsx/esm/api";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";

// The parser imports its JSON schemas without `with { type: "json" }`, which Node's own ESM
// loader (used by vitest for node_modules) rejects; tsx's loader accepts them.
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = (await tsImport(
  "@actions/workflow-parser",
  import.meta.url,
)) as typeof import("@actions/workflow-parser");
const { convertActionTemplate, parseAction } = (await tsImport(
  "@actions/workflow-parser/actions/index",
  import.meta.url,
)) as typeof import("@actions/workflow-parser/actions/index");

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");

/** Every error the parser and the converter report for a workflow file's text. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  if (parsed.value) {
    // Conversion checks more (jobs, needs, matrix) and adds to the same error list.
    await convertWorkflowTemplate(parsed.context, parsed.value);
  }
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  return parsed.value ? errors : [...errors, `${name}: no workflow could be read`];
}

function actionErrors(name: string, content: string): { errors: string[]; template?: ActionTemplate } {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter());
  const template = parsed.value ? convertActionTemplate(parsed.context, parsed.value) : undefined;
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  return { errors: parsed.value ? errors : [...errors, `${name}: no action could be read`], template };
}

/**
 * Action metadata as GitHub documents it, strict where GitHub's action schema is loose:
 * GitHub's parser accepts any key under inputs.<id>, so a typo like `requird` passes it.
 */
const ACTION_METADATA_SCHEMA = {
  type: "object",
  required: ["name", "description", "runs"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string", minLength: 1 },
    author: { type: "string" },
    branding: { type: "object" },
    inputs: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_-]*$" },
      additionalProperties: {
        type: "object",
        required: ["description"],
        additionalProperties: false,
        properties: {
          description: { type: "string" },
          required: { type: "boolean" },
          default: { type: "string" },
          deprecationMessage: { type: "string" },
        },
      },
    },
    outputs: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["description", "value"],
        additionalProperties: false,
        properties: { description: { type: "string" }, value: { type: "string" } },
      },
    },
    runs: {
      type: "object",
      required: ["using", "steps"],
      additionalProperties: false,
      properties: {
        using: { const: "composite" },
        steps: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            oneOf: [{ required: ["run", "shell"] }, { required: ["uses"] }],
          },
        },
      },
    },
  },
};
const validateActionMetadata = new Ajv({ allErrors: true }).compile(ACTION_METADATA_SCHEMA);
const metadataErrors = (content: string): string[] =>
  validateActionMetadata(parseYaml(content)) ? [] : (validateActionMetadata.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

describe("GitHub workflows", () => {
  it("exist: ci.yml and matrix.yml", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "matrix.yml"]));
  });

  it.each(workflowFiles)("%s parses without errors", async (file) => {
    const errors = await workflowErrors(file, readFileSync(join(WORKFLOWS, file), "utf8"));
    expect(errors).toEqual([]);
  });

  it("ci.yml tests on Node 20 and 22 and always uploads the report", () => {
    const ci = parseYaml(readFileSync(join(WORKFLOWS, "ci.yml"), "utf8"));
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    const job = ci.jobs.test;
    expect(job.strategy.matrix.node).toEqual([20, 22]);
    const runs = job.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
    for (const cmd of ["npm ci", "npm run test:unit", "npm run test:integration", "apt-get install"]) expect(runs).toContain(cmd);
    const upload = job.steps.find((s: { uses?: string }) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload.if).toBe("always()");
    expect(upload.with.path).toBe("s2s-matrix-report/");
  });

  it("matrix.yml runs weekly, may publish checks, and reports even when the run fails", () => {
    const wf = parseYaml(readFileSync(join(WORKFLOWS, "matrix.yml"), "utf8"));
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf.permissions.checks).toBe("write");
    const steps = wf.jobs.matrix.steps as { run?: string; uses?: string; if?: string }[];
    expect(steps.some((s) => s.run?.includes("npx s2s-matrix run scenarios/letsencrypt-2026.yaml --out s2s-matrix-report"))).toBe(true);
    const summary = steps.find((s) => s.run?.includes("$GITHUB_STEP_SUMMARY"));
    expect(summary?.if).toBe("always()");
    const junit = steps.find((s) => /^(mikepenz\/action-junit-report|dorny\/test-reporter)@v\d+$/.test(s.uses ?? ""));
    expect(junit?.if).toMatch(/^always\(\)/);
  });

  it("matrix-sharded.yml runs the user's own shard command in n jobs and merges them into one published matrix", () => {
    const wf = parseYaml(readFileSync(join(WORKFLOWS, "matrix-sharded.yml"), "utf8"));
    const shard = wf.jobs.shard;
    const n = shard.strategy.matrix.shard.length;
    expect(n).toBeGreaterThan(1);
    expect(shard.strategy.matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(shard.strategy["fail-fast"]).toBe(false);
    const shardSteps = shard.steps as { run?: string; uses?: string; if?: string; with?: Record<string, string> }[];
    expect(shardSteps.map((s) => s.run ?? "")).toContain(
      "npx s2s-matrix run scenarios/letsencrypt-2026.yaml --shard ${{ matrix.shard }}/${{ strategy.job-total }} --out s2s-matrix-report",
    );
    const upload = shardSteps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toBe("always()");
    expect(upload.with?.name).toContain("${{ matrix.shard }}");

    const merge = wf.jobs.merge;
    expect(merge.needs).toBe("shard");
    expect(merge.if).toMatch(/!cancelled\(\)/);
    const steps = merge.steps as { run?: string; uses?: string; if?: string; with?: Record<string, string> }[];
    const download = steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))!;
    expect(download.with?.pattern).toBe("s2s-shard-*");
    expect(steps.map((s) => s.run ?? "")).toContain(`npx s2s-matrix merge ${download.with?.path}/*/results.json --out s2s-matrix-report`);
    expect(steps.find((s) => s.run?.includes("$GITHUB_STEP_SUMMARY"))?.if).toBe("always()");
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.if).toBe("always()");
    expect(steps.find((s) => s.uses?.startsWith("mikepenz/action-junit-report@"))?.if).toMatch(/^always\(\)/);
  });

  it("site.yml runs the shipped scenarios weekly in shards, builds the site with the history and deploys it with SHA-pinned Pages actions", () => {
    const text = readFileSync(join(WORKFLOWS, "site.yml"), "utf8");
    const wf = parseYaml(text);
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    type Step = { run?: string; uses?: string; if?: string; with?: Record<string, string> };
    const shard = wf.jobs.shard;
    expect(shard.strategy.matrix.shard.length).toBeGreaterThan(1);
    const run = (shard.steps as Step[]).find((s) => s.run?.startsWith("npx s2s-matrix run "))!.run!;
    for (const f of ["scenarios/letsencrypt-2026.yaml", "scenarios/certificate-profiles.yaml", "--shard ${{ matrix.shard }}/${{ strategy.job-total }}"]) expect(run).toContain(f);

    const site = wf.jobs.site;
    expect(site.needs).toBe("shard");
    expect(site.if).toMatch(/!cancelled\(\)/);
    const steps = site.steps as Step[];
    const runs = steps.map((s) => s.run ?? "");
    // Unexpected cells (exit 1) still publish; shards that do not fit (exit 2) do not.
    expect(runs).toContain("npx s2s-matrix merge shards/*/results.json --out merged || test $? -eq 1");
    const build = runs.find((r) => r.startsWith("npx s2s-matrix site "))!;
    expect(build).toBe("npx s2s-matrix site history/*.json --out _site");
    expect(runs.join("\n")).toContain('cp merged/results.json "history/');
    const pages = steps.find((s) => s.uses?.startsWith("actions/upload-pages-artifact@"))!;
    expect(pages.with?.path).toBe("_site/");
    const deploy = wf.jobs.deploy;
    expect(deploy.needs).toBe("site");
    expect(deploy.permissions).toEqual({ pages: "write", "id-token": "write" });
    expect(deploy.environment.name).toBe("github-pages");
    // Pinned by full commit SHA, the tag in a comment.
    for (const action of ["actions/upload-pages-artifact", "actions/deploy-pages"]) {
      expect(text).toMatch(new RegExp(`uses: ${action}@[0-9a-f]{40} # v\\d+(\\.\\d+)*\\n`));
    }
  });

  // The parser must be able to fail, or the checks above prove nothing.
  it("reports a job without runs-on", async () => {
    const broken = "on: push\njobs:\n  build:\n    steps:\n      - run: echo hi\n";
    expect((await workflowErrors("broken.yml", broken)).join("\n")).toMatch(/runs-on/);
  });

  it("reports an invalid expression", async () => {
    const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha ) }}\n";
    expect(await workflowErrors("broken.yml", broken)).not.toEqual([]);
  });

  it("reports an unknown trigger", async () => {
    const broken = "on: pushh\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    expect(await workflowErrors("broken.yml", broken)).not.toEqual([]);
  });
});

describe("action.yml (composite action)", () => {
  const content = readFileSync(join(ROOT, "action.yml"), "utf8");

  it("parses without errors against GitHub's action schema", () => {
    expect(actionErrors("action.yml", content).errors).toEqual([]);
  });

  it("matches the stricter action metadata schema (composite, every run step has a shell)", () => {
    expect(metadataErrors(content)).toEqual([]);
  });

  it("has the gate's inputs and runs as a composite action", () => {
    const { template } = actionErrors("action.yml", content);
    expect(template?.name).toBe("s2s-matrix upgrade gate");
    const inputs = new Map((template?.inputs ?? []).map((i) => [i.id, i]));
    expect(inputs.get("scenario")?.required).toBe(true);
    expect(inputs.get("baseline")?.required).not.toBe(true);
    expect(inputs.get("servers")?.required).not.toBe(true);
    // Pulling is normal in the action: images a scenario names are pulled unless pull: "false".
    expect(inputs.get("pull")?.default?.toString()).toBe("true");
    expect(inputs.get("out")?.default?.toString()).toBe("s2s-matrix-report");
    expect(template?.runs.using).toBe("composite");
    expect((template?.runs as ActionRunsComposite).steps.length).toBeGreaterThan(0);
  });

  it("passes inputs to shell scripts through the environment only (no ${{ }} inside run:)", () => {
    const action = parseYaml(content);
    const steps = action.runs.steps as { run?: string; shell?: string; uses?: string; if?: string }[];
    for (const step of steps.filter((s) => s.run !== undefined)) {
      expect(step.shell, `step ${JSON.stringify(step.run?.slice(0, 40))} needs a shell`).toBeDefined();
      expect(step.run).not.toMatch(/\$\{\{/);
    }
    const run = steps.find((s) => s.run?.includes('node "$S2S_BIN"'))!;
    expect(run.run).toContain('args+=(--baseline "$S2S_BASELINE")');
    expect(run.run).toContain('args+=(--servers "$S2S_SERVERS")');
    expect(run.run).toContain('args+=(--shard "$S2S_SHARD")');
    expect(run.run).toContain('if [ "$S2S_PULL" = "true" ]; then args+=(--pull); fi');
    expect(run.run).toContain('exit "$code"');
    // Summary and artifact happen whatever the CLI's verdict.
    expect(steps.find((s) => s.run?.includes("$GITHUB_STEP_SUMMARY"))?.if).toBe("always()");
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.if).toBe("always()");
  });

  it("leaves the job's Node alone: no setup-node, a version check for >= 20.18 instead", () => {
    const steps = parseYaml(content).runs.steps as { run?: string; uses?: string }[];
    expect(steps.some((s) => s.uses?.startsWith("actions/setup-node"))).toBe(false);
    const check = steps.find((s) => s.run?.includes("process.versions.node"))!;
    expect(check.run).toMatch(/a>20\|\|\(a===20&&b>=18\)/);
    expect(check.run).toContain("exit 3");
  });

  it("runs the packaged tool with production dependencies only, with --json", () => {
    const steps = parseYaml(content).runs.steps as { id?: string; run?: string }[];
    const install = steps.find((s) => s.id === "install")!.run!;
    expect(install).toContain("npm ci --omit=dev");
    expect(install).toContain("npm pack");
    expect(install).toContain("npm install --omit=dev");
    expect(install).not.toMatch(/npx tsx|node_modules\/\.bin\/tsx/);
    expect(steps.find((s) => s.id === "run")!.run).toContain("--json");
  });

  it("has outputs for later steps: exit code, counts, report paths", () => {
    const { template } = actionErrors("action.yml", content);
    const outputs = parseYaml(content).outputs as Record<string, { value: string }>;
    for (const o of ["exit-code", "unexpected", "regressions", "results-json", "matrix-md", "report-dir"]) expect(outputs[o]?.value, o).toMatch(/\$\{\{ .+ \}\}/);
    expect(template?.outputs?.map((o) => o.id)).toEqual(expect.arrayContaining(["unexpected", "regressions", "results-json", "matrix-md"]));
  });

  it("keeps server images between runs: docker load of a cache keyed by the images' content hash, docker save after the run", () => {
    const steps = parseYaml(content).runs.steps as { id?: string; run?: string; uses?: string; if?: string; with?: Record<string, string> }[];
    const restore = steps.find((s) => s.uses?.startsWith("actions/cache/restore@"))!;
    const save = steps.find((s) => s.uses?.startsWith("actions/cache/save@"))!;
    expect(restore.with!.key).toBe("${{ steps.install.outputs.cache-key }}");
    expect(save.with!.key).toBe(restore.with!.key);
    expect(steps.find((s) => s.id === "install")!.run).toMatch(/find images catalog\.js -type f .*sha256sum/);
    expect(steps.some((s) => s.run?.includes("docker load -i"))).toBe(true);
    expect(steps.find((s) => s.id === "save")!.run).toContain("docker save");
    expect(steps.find((s) => s.id === "save")!.if).toMatch(/^always\(\)/);
  });

  it("names the artifact per job, matrix leg and attempt unless told otherwise", () => {
    const steps = parseYaml(content).runs.steps as { id?: string; run?: string; uses?: string; env?: Record<string, string>; with?: Record<string, string> }[];
    const prepare = steps.find((s) => s.id === "prepare")!;
    expect(prepare.env!.S2S_JOB_INDEX).toBe("${{ strategy.job-index }}");
    expect(prepare.run).toContain('name="s2s-matrix-${GITHUB_JOB}-${S2S_JOB_INDEX:-0}-${GITHUB_RUN_ATTEMPT:-1}"');
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!.with!.name).toBe("${{ steps.prepare.outputs.artifact-name }}");
  });

  it("reports a composite run step without a shell", () => {
    const broken = "name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n";
    expect(actionErrors("action.yml", broken).errors.join("\n")).toMatch(/shell/);
  });

  it("reports an action without runs", () => {
    expect(actionErrors("action.yml", "name: x\ndescription: y\n").errors).not.toEqual([]);
    expect(metadataErrors("name: x\ndescription: y\n")).not.toEqual([]);
  });

  it("the metadata schema catches what GitHub's parser lets through: a misspelt input key, a missing shell", () => {
    const typo = content.replace("    required: true", "    requird: true");
    expect(actionErrors("action.yml", typo).errors).toEqual([]); // why the extra schema exists
    expect(metadataErrors(typo).join("\n")).toMatch(/must NOT have additional properties/);
    expect(metadataErrors(content.replace(/^      shell: bash\n/m, ""))).not.toEqual([]);
  });
});
