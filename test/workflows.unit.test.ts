// The GitHub Actions files, checked by GitHub's own parser (@actions/workflow-parser, the
// library behind the Actions language service): schema, expressions, required keys; and
// what a file can get wrong structurally (a ${{ }} spliced into a script, an unpinned action).
// What the action DOES is tested by executing it: test/action.int.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ActionTemplate } from "@actions/workflow-parser/actions/index";
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

/** `uses:` lines not of the form owner/repo[/path]@<40 hex> # v<version> (local ./ actions are fine). */
function unpinned(text: string): string[] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+?)\s*$/gm)]
    .map((m) => m[1])
    .filter((u) => !u.startsWith("./") && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(u));
}

const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

describe("GitHub workflows", () => {
  it("exist: ci.yml and matrix.yml", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "matrix.yml"]));
  });

  it.each(workflowFiles)("%s parses without errors", async (file) => {
    const errors = await workflowErrors(file, readFileSync(join(WORKFLOWS, file), "utf8"));
    expect(errors).toEqual([]);
  });

  it.each(workflowFiles)("%s pins every third-party action by its full commit SHA, with the version in a comment", (file) => {
    expect(unpinned(readFileSync(join(WORKFLOWS, file), "utf8"))).toEqual([]);
  });

  it("site.yml runs the shipped scenarios weekly in shards, builds the site with the history and deploys it with SHA-pinned Pages actions", () => {
    const text = readFileSync(join(WORKFLOWS, "site.yml"), "utf8");
    const wf = parseYaml(text);
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    type Step = { run?: string; uses?: string; if?: string; with?: Record<string, string> };
    const shard = wf.jobs.shard;
    expect(shard.strategy.matrix.shard.length).toBeGreaterThan(1);
    // What its steps do is executed through the stand-in runner: test/site-workflow.int.test.ts.
    const site = wf.jobs.site;
    expect(site.needs).toBe("shard");
    expect(site.if).toMatch(/!cancelled\(\)/);
    const steps = site.steps as Step[];
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

  it("passes inputs to shell scripts through the environment only (no ${{ }} inside run:)", () => {
    const steps = parseYaml(content).runs.steps as { run?: string }[];
    const spliced = steps.filter((s) => s.run !== undefined && /\$\{\{/.test(s.run)).map((s) => s.run!.split("\n")[0]);
    expect(spliced).toEqual([]);
  });

  it("pins every third-party action by its full commit SHA, with the version in a comment", () => {
    expect(unpinned(content)).toEqual([]);
  });

  it("the pin check catches a tag, a short SHA and a SHA without its version comment", () => {
    const sha = "0057852bfaa89a56745cba8c7296529d2fc39830";
    expect(unpinned(`      - uses: actions/cache/restore@v4\n      - uses: actions/checkout@${sha.slice(0, 7)} # v4\n      - uses: actions/checkout@${sha}\n      - uses: ./\n`)).toEqual([
      "actions/cache/restore@v4",
      `actions/checkout@${sha.slice(0, 7)} # v4`,
      `actions/checkout@${sha}`,
    ]);
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
