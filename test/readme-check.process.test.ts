// scripts/readme-check.mjs must fail when README.md's two commands stop working. The
// full check (both commands succeeding in a fresh copy) is what .ci/run runs; here
// README variants that fail fast show that it can fail, and how it says so.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-readme-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const [, first, second] = /^```sh\n(?:#.*\n)*(.+)\n\n(?:#.*\n)*(.+)\n```/m.exec(README) ?? [];

function check(readme: string) {
  const file = join(dir, `README-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(file, readme);
  const r = spawnSync(process.execPath, [join(ROOT, "scripts/readme-check.mjs"), "--readme", file], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

describe("scripts/readme-check.mjs", () => {
  it("reads README.md's two commands: the matrix, then the tests", () => {
    expect(first).toBe("npx s2s-matrix run scenarios/letsencrypt-2026.yaml");
    expect(second).toBe("npm test");
  });

  it("fails when the first sh block does not hold exactly two commands", () => {
    const r = check(README.replace(`${second}\n`, ""));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/FAIL: .*exactly two commands, found 1/);
  });

  it("fails, naming the command, when the first command does not work (and does not run the second)", () => {
    const r = check(README.replace(first, "npm run matrix-of-a-script-that-does-not-exist"));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("FAIL: the first command exited 1: npm run matrix-of-a-script-that-does-not-exist");
    expect(r.stderr).not.toContain(`$ ${second}`);
  });

  it("fails when the first command succeeds without writing the five reports", () => {
    const r = check(README.replace(first, "npx --version"));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("FAIL: the first command wrote no matrix.md, matrix.html, results.json, junit.xml, baseline.jsonl in s2s-matrix-report/: npx --version");
  });

  it("a TERM sent to it alone ends the command it runs too, and it fails naming the signal", async () => {
    const pidFile = join(dir, `pid-${process.pid}`);
    // A first command that never ends by itself; `exec` keeps its pid the one written.
    const file = join(dir, "README-term.md");
    const command = `echo $$ > ${pidFile} && exec sleep 600`;
    writeFileSync(file, README.replace(first, () => command));
    const p = spawn(process.execPath, [join(ROOT, "scripts/readme-check.mjs"), "--readme", file], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (b) => (stderr += b));
    // "exit", not "close": without the fix the command outlives it and holds its stderr open.
    const exited = new Promise<number | null>((done) => p.on("exit", (code) => done(code)));
    const closed = new Promise((done) => p.on("close", done));
    while (!existsSync(pidFile) || !readFileSync(pidFile, "utf8").trim()) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(1);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      p.kill("SIGTERM");
      expect(await exited, stderr).toBe(1);
      await closed;
      expect(stderr).toContain(`FAIL: stopped by SIGTERM during: ${command}`);
      expect(stderr).not.toContain(`$ ${second}`);
      expect(alive()).toBe(false);
    } finally {
      if (alive()) process.kill(pid, "SIGKILL");
    }
  });

  it("fails when the second command fails", () => {
    const r = check(README.replace(first, "mkdir s2s-matrix-report && touch s2s-matrix-report/matrix.md s2s-matrix-report/matrix.html s2s-matrix-report/results.json s2s-matrix-report/junit.xml s2s-matrix-report/baseline.jsonl").replace(second, "npm run no-such-test-script"));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("FAIL: the second command exited 1: npm run no-such-test-script");
  });
});
