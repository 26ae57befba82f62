// The npm package as a user gets it: `npm pack`, then `npx ./s2s-matrix-<v>.tgz run
// smoke.yaml` in an empty directory (no clone, dependencies from the registry, no
// devDependencies, no TypeScript at run time) writes the four reports.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-package-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const tgz = join(dir, `s2s-matrix-${version}.tgz`);

describe("the npm package", () => {
  it("npm pack: compiled JavaScript, declarations, the files it loads, a LICENSE; no tests, fixtures, sources or workflows", () => {
    execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const files = execFileSync("tar", ["tzf", tgz], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
    for (const f of [
      "LICENSE",
      "bin/s2s-matrix.js",
      "dist/harness/cli.js",
      "dist/harness/index.js",
      "dist/harness/index.d.ts",
      "dist/scenarios/index.d.ts",
      "dist/harness/images/prosody/Dockerfile",
      "dist/harness/images/relay/relay.mjs",
      "dist/harness/docker/ensure-docker.sh",
      "dist/scenarios/scenario.schema.json",
      "dist/harness/report/results.schema.json",
    ]) expect(files, f).toContain(f);
    expect(files.filter((f) => /\.test\.|(^|\/)fixtures?(\/|\.)|^test\/|^\.github|^\.ci|action\.yml|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  }, 300_000);

  it("npx ./s2s-matrix-<version>.tgz run smoke.yaml in an empty directory writes the four reports and exits 0", () => {
    const work = join(dir, "empty");
    execFileSync("mkdir", [work]);
    copyFileSync(join(ROOT, "scenarios/smoke.yaml"), join(work, "smoke.yaml"));
    copyFileSync(tgz, join(work, `s2s-matrix-${version}.tgz`));
    // Nothing of this checkout on PATH or in npm's lifecycle variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(?!config_)/i.test(k)));
    env.PATH = (env.PATH ?? "").split(":").filter((p) => !p.includes("node_modules/.bin")).join(":");
    const r = spawnSync("npx", ["--yes", `./s2s-matrix-${version}.tgz`, "run", "smoke.yaml", "--json"], { cwd: work, env: { ...env, CI: "true" }, encoding: "utf8", timeout: 900_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["results.json", "matrix.md", "matrix.html", "junit.xml"]) expect(existsSync(join(work, "s2s-matrix-report", f)), f).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 0, counts: { total: 4, asExpected: 4, unexpected: 0 }, reports: { matrixMd: "s2s-matrix-report/matrix.md" } });
  }, 960_000);
});
