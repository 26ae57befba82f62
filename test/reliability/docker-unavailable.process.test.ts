// No Docker engine answers: exit 3 with the fix, before any run starts and before
// any report is written. DOCKER_HOST names the engine; the harness must never fall
// back silently to another one (testcontainers would try /var/run/docker.sock next).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-nodocker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Docker not answering", () => {
  it.each([
    ["unix:///tmp/nonexistent.sock", /ENOENT \/tmp\/nonexistent\.sock/],
    // Loopback port 1: nothing listens there.
    ["tcp://127.0.0.1:1", /ECONNREFUSED 127\.0\.0\.1:1/],
  ])("run smoke.yaml with DOCKER_HOST=%s → exit 3 with the fix", async (host, cause) => {
    const out = join(dir, "report");
    // If the harness fell back to another engine, this would be a real run: the
    // helper's timeout interrupts it (SIGINT makes it clean up) and the test fails.
    const r = await runCli(["run", "scenarios/smoke.yaml", "--out", out], { env: { DOCKER_HOST: host }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no Docker engine answers at DOCKER_HOST=${host}`);
    expect(r.stderr).toMatch(cause);
    expect(r.stderr).toMatch(/fix: start Docker/);
    expect(r.stderr).toContain("harness/docker/ensure-docker.sh");
    // Nothing started: no run id was printed, no report written, no stack trace.
    expect(r.stderr).not.toMatch(/run \d{8}-\d{6}-/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("clean with DOCKER_HOST unreachable → exit 3, not 'nothing to remove' from another engine", async () => {
    const r = await runCli(["clean"], { env: { DOCKER_HOST: "unix:///tmp/nonexistent.sock" } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no Docker engine answers at DOCKER_HOST=unix:\/\/\/tmp\/nonexistent\.sock[\s\S]*fix: /);
  }, 120_000);

  it("servers with DOCKER_HOST unreachable still lists the catalog, marked 'docker unavailable'", async () => {
    const r = await runCli(["servers"], { env: { DOCKER_HOST: "unix:///tmp/nonexistent.sock" } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/\(docker unavailable\)$/);
  }, 120_000);
});
