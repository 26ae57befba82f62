// The stand-in runner itself (test/action-runner/), without Docker: what it must do the
// way GitHub's runner does, or the action's tests through it prove nothing.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandChannel, evaluateIf, interpolate, Job, parseKeyValue, runSteps, runWorkflow, STEP_SUMMARY_LIMIT, type StepDef } from "./action-runner/index.ts";
import { installNpmCiCache } from "./action-runner/npm-ci-cache.ts";
import { waitFor } from "./reliability/helpers.ts";

const base = mkdtempSync(join(tmpdir(), "s2s-runner-unit-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function job(extra: Partial<ConstructorParameters<typeof Job>[0]> = {}): Job {
  const dir = join(base, String(++n));
  return new Job({ name: "gate", workspace: join(dir, "ws"), cacheDir: join(dir, "cache"), artifactsDir: join(dir, "artifacts"), runnerTemp: join(dir, "temp"), ...extra });
}
const scope = (contexts: Record<string, unknown>, status: "success" | "failure" = "success") => ({ contexts, status });

describe("expressions (GitHub's @actions/expressions)", () => {
  it("fills ${{ }} from the contexts; a missing output is the empty string", () => {
    const s = scope({ inputs: { out: "rep" }, steps: { run: { outputs: { "exit-code": "1" } } } });
    expect(interpolate("o=${{ inputs.out }} c=${{ steps.run.outputs.exit-code }} m=${{ steps.nope.outputs.x }}", s)).toBe("o=rep c=1 m=");
    expect(interpolate("${{ 'a}}b' }}", s)).toBe("a}}b");
  });

  it("an if: without a status function only runs while all went well; always() and failure() run after a failure", () => {
    const s = scope({ inputs: { "image-cache": "true" } }, "failure");
    expect(evaluateIf("inputs.image-cache == 'true'", s)).toBe(false);
    expect(evaluateIf("inputs.image-cache == 'true'", { ...s, status: "success" })).toBe(true);
    expect(evaluateIf("always() && inputs.image-cache == 'true'", s)).toBe(true);
    expect(evaluateIf("${{ failure() }}", s)).toBe(true);
    expect(evaluateIf(undefined, s)).toBe(false);
    expect(evaluateIf("!cancelled()", s)).toBe(true);
  });

  it("a context the step cannot see is an error, as on GitHub", () => {
    expect(() => interpolate("${{ secrets2.x }}", scope({ inputs: {} }))).toThrow(/secrets2/);
  });
});

describe("workflow commands", () => {
  it("parses ::error with file, line, title and escaped data; leading spaces allowed; unknown commands ignored", () => {
    const c = new CommandChannel();
    expect(c.line("  ::error file=xmpp/s.yaml,line=12,title=s2s-matrix%3A regression::a%0Ab")).toBe(true);
    expect(c.line("::frobnicate::x")).toBe(false);
    expect(c.line("text ::error::not at the start")).toBe(false);
    expect(c.annotations).toEqual([{ level: "error", file: "xmpp/s.yaml", line: 12, title: "s2s-matrix: regression", message: "a\nb" }]);
  });

  it("the legacy ##[error] form counts anywhere in a line", () => {
    const c = new CommandChannel();
    c.line("server said: ##[warning]look");
    expect(c.annotations).toEqual([{ level: "warning", message: "look" }]);
  });

  it("::stop-commands::token stops every command until ::token::", () => {
    const c = new CommandChannel();
    c.line("::stop-commands::tok123");
    c.line("::error title=Fake::x");
    c.line("::add-mask::secret");
    c.line("::tok123::");
    c.line("::warning::after");
    expect(c.annotations).toEqual([{ level: "warning", message: "after" }]);
    expect(c.masks).toEqual([]);
    expect(c.stopped).toBe(false);
  });

  it("::add-mask:: hides the value in the log", () => {
    const j = job();
    j.channel.line("::add-mask::hunter2");
    j.write("the password is hunter2");
    expect(j.log).toEqual(["the password is ***"]);
  });
});

describe("$GITHUB_OUTPUT / $GITHUB_ENV", () => {
  it("reads name=value and name<<DELIM heredocs", () => {
    expect(parseKeyValue("a=1\nb<<EOF\nx\n=y\nEOF\nc=\n")).toEqual({ a: "1", b: "x\n=y", c: "" });
  });
  it("a heredoc without its delimiter is an error", () => {
    expect(() => parseKeyValue("b<<EOF\nx\n")).toThrow(/Matching delimiter not found 'EOF'/);
  });
});

describe("steps", () => {
  it("a failed step skips the later ones unless they say always() or failure(); outputs, env and stderr commands reach later steps", async () => {
    const j = job();
    const steps: StepDef[] = [
      { id: "a", shell: "bash", run: 'echo "x=1" >> "$GITHUB_OUTPUT"; printf "m<<E\\nl1\\nl2\\nE\\n" >> "$GITHUB_OUTPUT"; echo "FOO=bar" >> "$GITHUB_ENV"' },
      { id: "b", shell: "bash", run: 'echo "::warning file=f.yaml,line=3::from stderr" >&2; false; echo not reached' },
      { id: "c", shell: "bash", run: "echo skipped" },
      { id: "d", if: "always()", shell: "bash", run: 'echo "got=${{ steps.a.outputs.x }}|$FOO|${{ steps.b.outcome }}" >> "$GITHUB_OUTPUT"' },
      { id: "e", if: "failure()", shell: "bash", run: "true" },
      { id: "f", if: "success()", shell: "bash", run: "true" },
    ];
    const { results, status } = await runSteps(j, steps, { actionPath: base, inputs: {} });
    expect(results.map((r) => [r.id, r.outcome])).toEqual([["a", "success"], ["b", "failure"], ["c", "skipped"], ["d", "success"], ["e", "success"], ["f", "skipped"]]);
    expect(status).toBe("failure");
    expect(results[1].exitCode).toBe(1);
    expect(results[0].outputs).toEqual({ x: "1", m: "l1\nl2" });
    expect(results[3].outputs.got).toBe("1|bar|failure");
    expect(j.channel.annotations).toEqual([
      { level: "warning", file: "f.yaml", line: 3, message: "from stderr" },
      { level: "error", message: "Process completed with exit code 1." },
    ]);
  });

  it("runs bash with -eo pipefail: a failing command inside a pipe fails the step", async () => {
    const { results } = await runSteps(job(), [{ shell: "bash", run: "false | cat\necho survived" }], { actionPath: base, inputs: {} });
    expect(results[0].outcome).toBe("failure");
  });

  it("a composite step without shell: is refused, as GitHub does", async () => {
    const { results } = await runSteps(job(), [{ run: "true" }], { actionPath: base, inputs: {} });
    expect(results[0].outcome).toBe("failure");
  });

  it("keeps a step summary within 1 MiB and refuses a bigger one with an error", async () => {
    const j = job();
    const big = STEP_SUMMARY_LIMIT + 10;
    await runSteps(j, [
      { shell: "bash", run: 'echo "small" >> "$GITHUB_STEP_SUMMARY"' },
      { shell: "bash", run: `head -c ${big} /dev/zero | tr '\\0' x >> "$GITHUB_STEP_SUMMARY"` },
    ], { actionPath: base, inputs: {} });
    expect(j.summary).toBe("small\n");
    expect(j.channel.annotations.map((a) => a.message)).toEqual([expect.stringMatching(/^\$GITHUB_STEP_SUMMARY upload aborted/)]);
  });

  it("runs a composite action: defaults for missing inputs, its own steps context, outputs at its end, GITHUB_ACTION_PATH", async () => {
    const dir = join(base, "action");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "action.yml"),
      `name: t\ndescription: t\ninputs:\n  a: {description: a, default: dflt}\n  b: {description: b}\noutputs:\n  o: {description: o, value: "\${{ steps.s.outputs.v }}"}\nruns:\n  using: composite\n  steps:\n    - id: s\n      shell: bash\n      env: {A: "\${{ inputs.a }}", B: "\${{ inputs.b }}"}\n      run: echo "v=$A-$B-$(basename "$GITHUB_ACTION_PATH")" >> "$GITHUB_OUTPUT"\n`,
    );
    const j = job({ actions: { "me/act": dir } });
    const { results } = await runSteps(j, [{ id: "x", uses: "me/act@v1", with: { b: "given" } }]);
    expect(results[0].outputs).toEqual({ o: "dflt-given-action" });
  });
});

describe("workflows (workflow.ts)", () => {
  it("runs a matrix's legs side by side, as GitHub does, each with its own RUNNER_TEMP", async () => {
    const dir = join(base, "legs");
    mkdirSync(dir, { recursive: true });
    // Each leg waits for the other to have started: legs one after another never meet.
    const meet = `touch "${dir}/started-$N"; i=0; until [ -e "${dir}/started-1" ] && [ -e "${dir}/started-2" ]; do i=$((i+1)); [ $i -lt 600 ] || exit 1; sleep 0.1; done; echo "temp=$RUNNER_TEMP" >> "$GITHUB_OUTPUT"`;
    const file = join(dir, "wf.yml");
    writeFileSync(file, `jobs:\n  legs:\n    strategy:\n      matrix:\n        n: [1, 2]\n    steps:\n      - id: meet\n        env: {N: "\${{ matrix.n }}"}\n        run: ${JSON.stringify(meet)}\n`);
    const legs = await runWorkflow(file, { workspace: (_, i) => join(dir, `ws-${i}`), cacheDir: join(dir, "cache"), artifactsDir: join(dir, "artifacts"), runnerTemp: join(dir, "temp") });
    expect(legs.map((l) => [l.matrix.n, l.status])).toEqual([[1, "success"], [2, "success"]]);
    expect(legs.map((l) => l.steps[0].outputs.temp)).toEqual([join(dir, "temp-1"), join(dir, "temp-2")]);
  });
});

describe("stand-ins for actions/cache and artifacts", () => {
  it("cache: exact key is a hit; a restore-key prefix restores the newest match without a hit; a miss sets neither", async () => {
    const j = job();
    const ws = j.opts.workspace;
    const save = (key: string, content: string): StepDef[] => [
      { shell: "bash", run: `echo ${content} > "$RUNNER_TEMP/img.tar"` },
      { uses: "actions/cache/save@0057852bfaa89a56745cba8c7296529d2fc39830", with: { path: "${{ runner.temp }}/img.tar", key } },
    ];
    const restore = (key: string, prefix: string): StepDef[] => [
      { shell: "bash", run: 'rm -f "$RUNNER_TEMP/img.tar"' },
      { id: "r", uses: "actions/cache/restore@v4", with: { path: "${{ runner.temp }}/img.tar", key, "restore-keys": prefix } },
      { id: "c", shell: "bash", run: 'echo "content=$(cat "$RUNNER_TEMP/img.tar" 2>/dev/null)" >> "$GITHUB_OUTPUT"' },
    ];
    await runSteps(j, [...save("imgs-aaa-1", "old"), ...save("imgs-aaa-2", "new"), ...save("other-1", "other")], { actionPath: ws, inputs: {} });
    const exact = (await runSteps(j, restore("imgs-aaa-1", "imgs-aaa-"), { actionPath: ws, inputs: {} })).results;
    expect(exact[1].outputs).toMatchObject({ "cache-hit": "true", "cache-matched-key": "imgs-aaa-1" });
    expect(exact[2].outputs.content).toBe("old");
    const prefix = (await runSteps(j, restore("imgs-aaa-3", "imgs-aaa-"), { actionPath: ws, inputs: {} })).results;
    expect(prefix[1].outputs).toMatchObject({ "cache-hit": "false", "cache-matched-key": "imgs-aaa-2" });
    expect(prefix[2].outputs.content).toBe("new");
    const miss = (await runSteps(j, restore("imgs-bbb-1", "imgs-bbb-"), { actionPath: ws, inputs: {} })).results;
    expect(miss[1].outputs).toEqual({ "cache-primary-key": "imgs-bbb-1" });
    expect(miss[2].outputs.content).toBe("");
  });

  it("upload-artifact uploads a directory's files (hidden ones left out) or named files; a second upload of a name fails; download by pattern", async () => {
    const j = job();
    const ws = j.opts.workspace;
    mkdirSync(join(ws, "rep", "sub"), { recursive: true });
    for (const f of ["rep/a.json", "rep/sub/b.md", "rep/.hidden", "rep/c.txt"]) writeFileSync(join(ws, f), f);
    const { results } = await runSteps(j, [
      { uses: "actions/upload-artifact@v4", with: { name: "one", path: "rep/" } },
      { uses: "actions/upload-artifact@v4", with: { name: "two", path: "rep/a.json\nrep/sub/b.md" } },
      { uses: "actions/upload-artifact@v4", with: { name: "one", path: "rep/" } },
      { if: "always()", uses: "actions/download-artifact@v4", with: { pattern: "t*", path: "dl" } },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["success", "success", "failure", "success"]);
    const list = (d: string): string[] => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length + 1)).sort();
    expect(list(join(j.opts.artifactsDir, "one"))).toEqual(["a.json", "c.txt", "sub/b.md"]);
    expect(list(join(j.opts.artifactsDir, "two"))).toEqual(["a.json", "sub/b.md"]);
    expect(list(join(ws, "dl"))).toEqual(["two/a.json", "two/sub/b.md"]);
    expect(readFileSync(join(ws, "dl", "two", "a.json"), "utf8")).toBe("rep/a.json");
  });

  it("an action it has no stand-in for fails the step by name", async () => {
    const j = job();
    const { results } = await runSteps(j, [{ uses: "mikepenz/action-junit-report@v5" }]);
    expect(results[0].outcome).toBe("failure");
    expect(j.channel.annotations[0].message).toMatch(/mikepenz\/action-junit-report@v5: not provided by the stand-in runner/);
  });
});

describe("the stand-in npm (npm-ci-cache.ts)", () => {
  it("the first npm ci runs the real one; the same lock and arguments again get its node_modules hard-linked; another lock, or another command, goes to the real one", () => {
    const dir = join(base, "npm");
    // The "real" npm: records each call, and `ci` installs one file.
    const calls = join(dir, "calls");
    const real = join(dir, "real-npm");
    mkdirSync(dir, { recursive: true });
    writeFileSync(real, `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\nif [ "$1" = ci ]; then mkdir -p node_modules/dep && echo "$(cat package-lock.json)" > node_modules/dep/index.js; fi\n`);
    chmodSync(real, 0o755);
    installNpmCiCache(join(dir, "tools"), join(dir, "kept"), real);
    const npm = (cwd: string, ...args: string[]) => execFileSync(join(dir, "tools", "npm"), args, { cwd, encoding: "utf8" });
    const checkout = (name: string, lock: string): string => {
      const ws = join(dir, name);
      mkdirSync(ws);
      writeFileSync(join(ws, "package.json"), "{}");
      writeFileSync(join(ws, "package-lock.json"), lock);
      return ws;
    };
    const first = checkout("a", "lock 1");
    npm(first, "ci", "--no-audit");
    const second = checkout("b", "lock 1");
    expect(npm(second, "ci", "--no-audit")).toMatch(/linked from an earlier npm ci/);
    expect(statSync(join(second, "node_modules/dep/index.js")).ino).toBe(statSync(join(first, "node_modules/dep/index.js")).ino);
    const other = checkout("c", "lock 2");
    npm(other, "ci", "--no-audit");
    expect(readFileSync(join(other, "node_modules/dep/index.js"), "utf8")).toBe("lock 2\n");
    npm(checkout("d", "lock 1"), "ci", "--omit=dev");
    npm(first, "pack");
    expect(readFileSync(calls, "utf8").split("\n")).toEqual(["ci --no-audit", "ci --no-audit", "ci --omit=dev", "pack", ""]);
  });

  it("npm ci in legs side by side: one installs, the others wait for it and get its node_modules", async () => {
    const dir = join(base, "npm-side-by-side");
    const calls = join(dir, "calls");
    const go = join(dir, "go");
    const real = join(dir, "real-npm");
    mkdirSync(dir, { recursive: true });
    // The "real" npm ci records its call and installs only once the test says go.
    writeFileSync(real, `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\nwhile [ ! -e ${JSON.stringify(go)} ]; do sleep 0.05; done\nmkdir -p node_modules/dep && echo x > node_modules/dep/index.js\n`);
    chmodSync(real, 0o755);
    installNpmCiCache(join(dir, "tools"), join(dir, "kept"), real);
    const leg = (name: string) => {
      const ws = join(dir, name);
      mkdirSync(ws);
      writeFileSync(join(ws, "package.json"), "{}");
      writeFileSync(join(ws, "package-lock.json"), "lock");
      let out = "";
      const done = new Promise<void>((resolve, reject) => {
        const child = execFile(join(dir, "tools", "npm"), ["ci"], { cwd: ws }, (e) => (e ? reject(e) : resolve()));
        child.stdout!.on("data", (b) => (out += String(b)));
      });
      return { done, out: () => out, ws };
    };
    const callCount = () => (existsSync(calls) ? readFileSync(calls, "utf8").split("\n").filter(Boolean).length : 0);
    const first = leg("a");
    expect(await waitFor(() => callCount() === 1, 60_000, 20), "the first leg's npm ci started").toBe(true);
    const second = leg("b");
    // The second either waits for the lock or (without one) runs the real npm ci too.
    expect(await waitFor(() => second.out().includes("waiting for the npm ci in progress") || callCount() > 1, 60_000, 20), "the second leg got to the lock").toBe(true);
    writeFileSync(go, "");
    await Promise.all([first.done, second.done]);
    expect(callCount()).toBe(1);
    expect(second.out()).toMatch(/linked from an earlier npm ci/);
    expect(statSync(join(second.ws, "node_modules/dep/index.js")).ino).toBe(statSync(join(first.ws, "node_modules/dep/index.js")).ino);
  });
});
