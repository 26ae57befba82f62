// The upgrade gate as a user runs it: README's workflow, copied from the README, executed
// through the stand-in runner (test/action-runner/) with this repository's action, on real
// servers. A scenario names its server `ours`:
//   (a) ours = ejabberd 26.07, the action as a fresh clone of a branch (no node_modules, no
//       dist: it builds, packs and installs the package itself): all as expected; its report
//       becomes the baseline;
//   (b) the bump to 24.12 regresses, the action as a release tag (the clone with the dist/
//       of (a)'s pack: it installs only the production dependencies): the step fails with
//       exit 1, regressions ≥ 1, an error annotation at the rule's line of the scenario file;
//       the images (a) used come from the cache it saved (docker save → cache → docker load), and only those
//       (another run's container, created while (a)'s run is under way, does not add its image).
// Untrusted text (the scenario's name and a rule's reason carry `\n::error …`) commands nothing.
// Slow (two whole jobs: the package built from the clone once, docker save/load of the images).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloneTree, runWorkflow, type LegResult } from "./action-runner/index.ts";
import { docker } from "../harness/docker/client.ts";
import { removeLabelled, ROOT } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-action-"));
const FOREIGN_RUN = `action-test-foreign-${process.pid}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await removeLabelled(await docker(), FOREIGN_RUN);
});
const CACHE = join(dir, "cache");

/** README's gate workflow, as a user copies it. */
function readmeWorkflow(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const from = readme.indexOf("```yaml\n", readme.indexOf("does it in one step. A full"));
  return readme.slice(from + "```yaml\n".length, readme.indexOf("\n```", from + 8) + 1);
}

const FORGED = "::error title=Fake::forged by untrusted text";

/**
 * The images (a)'s run uses (ours = ejabberd 26.07, Prosody 0.12.3, the name server), without
 * their content tag. Prosody 0.12.3 is Debian bookworm's, as the name server is: the images
 * share their base, so the cache's tar is ~0.3 GB smaller than with sid's Prosody 13.0.7.
 */
const GOOD_IMAGES = ["s2s-matrix/dns:", "s2s-matrix/ejabberd:26.07", "s2s-matrix/prosody:0.12.3"];

/** The scenario the user commits, with ours at `version`; returns its text. */
const scenario = (version: string): string => `name: "Our federation\\n${FORGED} (name)"
servers: [{name: ours, server: ejabberd@${version}}, prosody@0.12.3]
certificates: [server-only]
dialback: [off]
pairs: cross
expect:
  default: federates
  rules:
    - receiver: ejabberd@<25.07
      certificate: server-only
      dialback: off
      outcome: fails
      reason: "unsupported certificate purpose\\n${FORGED} (reason)"
    # The message out of ejabberd < 25.07 arrives, but Prosody's reply is refused by it.
    - initiator: ejabberd@<25.07
      receiver: prosody
      certificate: server-only
      dialback: off
      outcome: one-way
`;

/** 1-based line of `needle` in `text`, read from the file as written (not from the code under test). */
const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

let actionPath: string;
beforeAll(() => {
  actionPath = cloneTree(ROOT, join(dir, "action"));
  expect(existsSync(join(actionPath, "node_modules"))).toBe(false);
  expect(existsSync(join(actionPath, "dist"))).toBe(false);
});

/** Where the action installs the package it packed (action.yml: RUNNER_TEMP/s2s-matrix-tool). */
const packed = () => join(dir, "_temp", "s2s-matrix-tool", "node_modules", "s2s-matrix");

/** A release tag's checkout of the action: the branch's clone with the dist/ of (a)'s pack. */
function releaseCheckout(): string {
  const release = cloneTree(ROOT, join(dir, "release"));
  cpSync(join(packed(), "dist"), join(release, "dist"), { recursive: true });
  return release;
}

interface Gate {
  leg: LegResult;
  ws: string;
  artifacts: string;
  step(id: string): LegResult["steps"][number];
}

/**
 * Another run's container (a job beside the gate on the same machine), from an image
 * (a)'s run does not use: created, never started. Returns its image.
 */
function foreignContainer(): string {
  const images = execFileSync("docker", ["images", "--filter", "label=s2s-matrix.image", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8" });
  const image = images.split("\n").find((i) => i && !i.includes("<none>") && !GOOD_IMAGES.some((g) => i.startsWith(g)));
  if (!image) throw new Error(`no s2s-matrix image besides (a)'s here: ${images}`);
  execFileSync("docker", ["create", "--label", `s2s-matrix.run=${FOREIGN_RUN}`, image]);
  return image;
}

async function runGate(name: string, version: string, action: string, baseline?: string, onLine?: (line: string) => void): Promise<Gate> {
  const ws = join(dir, name, "ws");
  mkdirSync(join(ws, "xmpp"), { recursive: true });
  writeFileSync(join(ws, "xmpp", "s2s-scenario.yaml"), scenario(version));
  let workflow = readmeWorkflow();
  if (baseline) cpSync(baseline, join(ws, "xmpp", "s2s-baseline.jsonl"));
  // The baseline input is optional: the first run has none yet.
  else workflow = workflow.replace(/^ *baseline: .*\n/m, "");
  const file = join(dir, name, "s2s-gate.yml");
  writeFileSync(file, workflow);
  const artifacts = join(dir, name, "artifacts");
  const [leg] = await runWorkflow(file, {
    workspace: () => ws,
    cacheDir: CACHE,
    runnerTemp: join(dir, "_temp"),
    artifactsDir: artifacts,
    actions: { "<owner>/s2s-matrix": action },
    echo: (l) => {
      if (process.env.S2S_RUNNER_ECHO) process.stderr.write(l);
      onLine?.(l);
    },
  });
  const s2s = leg.steps.find((s) => s.id === "s2s")!;
  const step = (id: string) => {
    const found = s2s.inner?.find((s) => s.id === id);
    if (!found) throw new Error(`no step ${id} in the action; steps: ${s2s.inner?.map((s) => s.id).join(", ")}`);
    return found;
  };
  return { leg, ws, artifacts, step };
}

const files = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);
const errors = (leg: LegResult) => leg.annotations.filter((a) => a.level === "error");

describe("the README's upgrade gate, through the stand-in runner, on real servers", () => {
  let good: Gate;
  let bump: Gate;
  let foreign: string | undefined;

  test("(a) a good run: the job passes, outputs set, summary and the report files uploaded; the images go to the cache", async () => {
    // The CLI's first line: its run is under way, and the action is watching for containers.
    good = await runGate("good", "26.07", actionPath, undefined, (l) => {
      if (!foreign && /s2s-matrix \S+: run \S+, /.test(l)) foreign = foreignContainer();
    });
    expect(foreign, "the CLI's first line was never seen").toBeDefined();
    const log = good.leg.log.join("\n");
    expect(good.leg.status, log.slice(-4000)).toBe("success");
    const s2s = good.leg.steps.find((s) => s.id === "s2s")!;
    expect(s2s.outputs).toMatchObject({ "exit-code": "0", unexpected: "0", regressions: "0", "results-json": "s2s-matrix-report/results.json", "matrix-md": "s2s-matrix-report/matrix.md", "report-dir": "s2s-matrix-report", "artifact-name": "s2s-matrix-s2s-gate-0-1" });
    expect(good.leg.log).toContain("unexpected=0 regressions=0");
    expect(good.leg.summary).toMatch(/\| \*\*ours \(ejabberd 26\.07\)\*\* \|/);
    expect(files(join(good.artifacts, "s2s-matrix-s2s-gate-0-1"))).toEqual(["baseline.jsonl", "junit.xml", "matrix.html", "matrix.md", "results.json"]);
    // An empty cache: nothing to load; the images are saved for the next run.
    expect(good.step("cache").outputs["cache-matched-key"]).toBeUndefined();
    expect(good.step("save").outputs.saved).toBe("true");
    // A branch: the package packed from the clone and installed from its tarball.
    expect(good.step("install").outputs.pkg).toBe(packed());
    expect(errors(good.leg)).toEqual([]);
  }, 1_800_000);

  test("(b) the bump that regresses: exit 1, regressions ≥ 1, an error annotation at the rule's line; the images loaded from the cache", async () => {
    // What the README tells the user to commit: the run's baseline.jsonl.
    const baseline = join(good.artifacts, "s2s-matrix-s2s-gate-0-1", "baseline.jsonl");
    // Before (b)'s job empties RUNNER_TEMP, where (a) installed what it packed.
    const release = releaseCheckout();
    bump = await runGate("bump", "24.12", release, baseline);
    const log = bump.leg.log.join("\n");
    expect(bump.leg.status, log.slice(-4000)).toBe("failure");
    // A release tag: run from the checkout's dist/ with production dependencies only; nothing packed.
    expect(bump.step("install").outputs).toMatchObject({ pkg: release, bin: join(release, "bin", "s2s-matrix.js") });
    expect(existsSync(join(release, "node_modules", "dockerode"))).toBe(true);
    expect(existsSync(join(release, "node_modules", "vitest"))).toBe(false);
    expect(existsSync(packed())).toBe(false);
    const s2s = bump.leg.steps.find((s) => s.id === "s2s")!;
    expect(s2s.outcome).toBe("failure");
    expect(bump.step("run").exitCode).toBe(1);
    expect(s2s.outputs["exit-code"]).toBe("1");
    expect(Number(s2s.outputs.regressions)).toBeGreaterThanOrEqual(1);
    const text = readFileSync(join(bump.ws, "xmpp", "s2s-scenario.yaml"), "utf8");
    const ruleLine = lineOf(text, "- receiver: ejabberd@<25.07");
    expect(errors(bump.leg)).toContainEqual(expect.objectContaining({ file: "xmpp/s2s-scenario.yaml", line: ruleLine, title: expect.stringMatching(/^s2s-matrix: 1 regression/) }));
    expect(errors(bump.leg).length).toBeLessThanOrEqual(10);
    // The step after the gate still reports (if: always()), with the outputs.
    expect(bump.leg.log).toContain(`unexpected=${s2s.outputs.unexpected} regressions=${s2s.outputs.regressions}`);
    expect(bump.leg.summary).toContain("ours: ejabberd 26.07 → 24.12");
    expect(files(join(bump.artifacts, "s2s-matrix-s2s-gate-0-1"))).toEqual(["baseline.jsonl", "junit.xml", "matrix.html", "matrix.md", "results.json"]);
    // (c) The cache (a) saved is found by the restore key (the scenario changed: another exact key) and loaded.
    expect(bump.step("cache").outputs).toMatchObject({ "cache-hit": "false", "cache-matched-key": good.step("cache").outputs["cache-primary-key"] });
    expect(bump.step("load").outcome).toBe("success");
    // (a) saved only the images its run used: its two servers and the DNS helper, not every image here.
    const loaded = (log.match(/^Loaded image: \S+/gm) ?? []).map((l) => l.slice("Loaded image: ".length).replace(/-?[0-9a-f]{10,12}$/, ""));
    expect(loaded.sort()).toEqual(GOOD_IMAGES);
  }, 1_800_000);

  test("untrusted text reached the log as a workflow command line and commanded nothing", () => {
    // The rule's reason, which ejabberd 24.12's diagnosis does not contain, is printed in the
    // CLI's list of unexpected cells on stderr: its second line is a forged command, which
    // reaches the log (defused by the CLI under GITHUB_ACTIONS, and inside stop-commands).
    expect(bump.leg.log.some((l) => l.includes("forged by untrusted text (reason)"))).toBe(true);
    for (const gate of [good, bump]) expect(gate.leg.annotations.filter((a) => a.title === "Fake")).toEqual([]);
  });
});
