// --shard, --list and merge from the user's side, with Docker unreachable: none of
// them may need it (DOCKER_HOST points at a socket that does not exist).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarize } from "../harness/report/summary.ts";
import { sampleResults } from "../harness/report/fixtures.ts";
import { selectShard, stampShard } from "../harness/shard.ts";
import type { RunResults } from "../core/types.ts";
import { ROOT, runCli } from "./reliability/helpers.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent.sock" };
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-shard-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sample run written as n shard results; returns their paths. */
function writeShards(n: number): string[] {
  const whole = sampleResults();
  const specs = whole.cells.map((c) => c.spec);
  return Array.from({ length: n }, (_, i) => {
    const sel = selectShard(specs, { index: i + 1, count: n });
    const cells = whole.cells.filter((c) => sel.shard.cells.includes(c.spec));
    const file = join(dir, `n${n}`, `shard-${i + 1}`, "results.json");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, JSON.stringify(stampShard({ ...whole, runId: `s${i + 1}`, cells, summary: summarize(cells) }, sel)));
    return file;
  });
}

// One at a time with room to start: each is a CLI process, and the machine may be busy.
const T = { timeoutMs: 60_000 };
describe("s2s-matrix run --shard / --list, s2s-matrix merge (no Docker)", () => {
  it("run --shard 2/3 --list prints the shard's containers and cells and exits 0 without Docker", async () => {
    const r = await runCli(["run", join(ROOT, "scenarios/smoke.yaml"), "--shard", "2/3", "--list"], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("shard 2/3: 2 of 4 cells, 2 server containers (--isolation vhost)");
    expect(r.stdout).toContain("prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]  (#2)");
    expect(r.stdout).toContain("ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]  (#3)");
  }, 90_000);

  it("--only takes a cell id with a comma in its brackets whole, and still splits between ids", async () => {
    const ids = ["jabberd2@2.7.0 → jabberd2@2.7.0 [dual-eku, dialback on]", "prosody@0.12.3 → jabberd2@2.7.0 [dual-eku, dialback on]"];
    const r = await runCli(["run", join(ROOT, "scenarios/letsencrypt-2026.yaml"), "--list", "--only", ids.join(",")], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^2 cells, /m);
    for (const id of ids) expect(r.stdout).toContain(`  ${id}\n`);
  }, 90_000);

  it("a bad --shard exits 2 before Docker, showing the form", async () => {
    const r = await runCli(["run", join(ROOT, "scenarios/smoke.yaml"), "--shard", "4/3", "--out", join(dir, "never")], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--shard "4/3": expected i/n with 1 ≤ i ≤ n');
    expect(existsSync(join(dir, "never"))).toBe(false);
  }, 90_000);

  it("merge writes the four reports of one run; exit 1 since the sample has unexpected cells", async () => {
    const out = join(dir, "merged");
    const r = await runCli(["merge", ...writeShards(3), "--out", out], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(1);
    for (const f of ["results.json", "matrix.md", "matrix.html", "junit.xml"]) expect(existsSync(join(out, f)), f).toBe(true);
    const merged: RunResults = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(merged.cells.map((c) => c.spec.id)).toEqual(sampleResults().cells.map((c) => c.spec.id));
    expect(merged.merged?.count).toBe(3);
    expect(r.stderr).toContain("merged 3 shards: 9 cells: 1 one-way, 6 as expected, 3 unexpected");
  }, 90_000);

  it("merge --baseline names a cell that federated in the baseline and fails in the merged run", async () => {
    const baseline = structuredClone(sampleResults()); // its cells are shared fixtures
    const failing = baseline.cells.find((c) => c.outcome === "fails")!;
    failing.outcome = "federates";
    const file = join(dir, "baseline.json");
    writeFileSync(file, JSON.stringify(baseline));
    const r = await runCli(["merge", ...writeShards(2), "--out", join(dir, "gated"), "--baseline", file], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 regression/);
    expect(r.stderr).toContain(failing.spec.id);
  }, 90_000);

  it("merge with a shard missing exits 2, names it, and writes nothing", async () => {
    const out = join(dir, "refused");
    const [one, , three] = writeShards(3);
    const r = await runCli(["merge", one, three, "--out", out], { env: NO_DOCKER, ...T });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/missing shard 2\/3/);
    expect(existsSync(out)).toBe(false);
  }, 90_000);
});
