// A CI job container with the host's engine socket mounted (GitLab's socket
// binding, Jenkins agents, act): the real CLI runs inside one and the smoke
// scenario must pass there. From inside it the engine is not local: its servers'
// ports are reached (and published) on the host's bridge gateway, not on localhost.
// The job container is debian:bookworm with this machine's own node binary, the
// worktree and its node_modules mounted read-only.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { labelled, removeLabelled, ROOT } from "./helpers.ts";

const SOCKET = "/var/run/docker.sock";
const tag = randomBytes(3).toString("hex");
const name = `s2s-matrix-jobtest-${tag}`;
const LABEL = "s2s-matrix.test";

describe("the CLI inside a container with the engine's socket mounted", () => {
  let d: Dockerode;
  beforeAll(async () => {
    d = await docker();
    // The job container's own network, made (and removed) by this test.
    await d.createNetwork({ Name: name, Driver: "bridge", Labels: { [LABEL]: tag } });
  });
  afterAll(async () => {
    await d.getContainer(name).remove({ force: true }).catch(() => {});
    await d.getNetwork(name).remove().catch(() => {});
  }, 60_000);

  it("runs the smoke scenario as expected", async () => {
    const modules = realpathSync(join(ROOT, "node_modules"));
    const args = [
      "run", "--rm", "--name", name, "--label", `${LABEL}=${tag}`, "--network", name,
      "-v", `${SOCKET}:${SOCKET}`,
      "-v", `${ROOT}:${ROOT}:ro`,
      "-v", `${modules}:${modules}:ro`,
      "-v", `${realpathSync(process.execPath)}:/usr/local/bin/node:ro`,
      "-w", ROOT, "-e", "CI=true", "-e", "HOME=/tmp",
      "debian:bookworm",
      "node", "bin/s2s-matrix.js", "run", "scenarios/smoke.yaml", "--out", "/tmp/report", "--timeout", "8m",
    ];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn("docker", args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (b) => (stderr += b));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
    const runId = /: run (\S+), \d+ cells from /.exec(r.stderr)?.[1];
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/4 cells: 1 one-way, 4 as expected, 0 unexpected/);
      expect(runId).toBeDefined();
      expect(await labelled(d, runId!)).toEqual({ containers: [], networks: [] });
    } finally {
      if (runId) await removeLabelled(d, runId);
    }
  }, 600_000);
});
