// Nothing the harness waits on can hang a run: an engine that never answers, an
// image build or a command in a container that never ends each fail naming their
// stage (exit 3), and `--timeout` ends the whole run (exit 3, everything removed).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveServer, adapterFor } from "../../harness/servers/catalog.ts";
import { docker } from "../../harness/docker/client.ts";
import { buildImage, ensureServerImage } from "../../harness/docker/images.ts";
import { newRunId, runLabels } from "../../harness/docker/labels.ts";
import { startInstance } from "../../harness/instance.ts";
import { EnvironmentError } from "../../core/errors.ts";
import { labelled, neverFinishingScenario, oneHostConfig, removeLabelled, runCli } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "s2s-matrix-timeouts-"));
let d: Dockerode;
beforeAll(async () => {
  d = await docker();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("an engine that accepts connections and never answers", () => {
  let server: Server;
  const socket = join(tmp, "silent-engine.sock");
  beforeAll(async () => {
    // It answers the harness's first ping, then nothing: every other request hangs.
    server = createServer((req, res) => {
      if (req.url?.endsWith("/_ping")) res.end("OK");
    });
    await new Promise<void>((r) => server.listen(socket, r));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  // The engine never answers, so the bound is what ends the wait on any machine: a short one keeps the test short.
  it("ends the run with exit 3 naming the engine check", async () => {
    const env = { DOCKER_HOST: `unix://${socket}`, S2S_MATRIX_ENGINE_TIMEOUT: "2s" };
    const r = await runCli(["run", "scenarios/smoke.yaml", "--out", join(tmp, "engine")], { env, timeoutMs: 150_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/Docker engine check \(ping, info\): no result within 2s/);
  }, 200_000);

  it("a bound that does not parse is a usage error", async () => {
    const env = { DOCKER_HOST: `unix://${socket}`, S2S_MATRIX_ENGINE_TIMEOUT: "soon" };
    const r = await runCli(["run", "scenarios/smoke.yaml", "--out", join(tmp, "engine-bad")], { env, timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/S2S_MATRIX_ENGINE_TIMEOUT="soon": expected a duration/);
  }, 200_000);
});

describe("stages that never end", () => {
  it("an image build is cancelled and named", async () => {
    const context = join(tmp, "build");
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, "Dockerfile"), "FROM debian:bookworm\nRUN sleep 600\n");
    const tag = `s2s-matrix-test/never-built:${Date.now()}`;
    const spec = { context, src: ["Dockerfile"], dockerfile: "Dockerfile", buildargs: {}, label: "test", what: "a build that never ends", fix: "none" };
    const err = await buildImage(d, tag, spec, 3_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The message itself when it differs (toMatchObject hides a non-matching one).
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).exitCode).toBe(3);
    expect((err as EnvironmentError).message).toMatch(/building s2s-matrix-test\/never-built:\d+ \(a build that never ends\) failed: image build: no result within 3s/);
    expect(await d.getImage(tag).inspect().then(() => true, () => false)).toBe(false);
  }, 120_000);

  it("the version check inside a started server is bounded, and the server removed", async () => {
    const runId = newRunId();
    const network = `s2s-matrix-${runId}`;
    const entry = resolveServer("prosody@0.12.3");
    const adapter = adapterFor(entry.family);
    const image = await ensureServerImage(entry, adapter);
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId) });
    try {
      const { createCa } = await import("../../ca/index.ts");
      const ca = await createCa({ tld: "example" });
      const config = await oneHostConfig(ca, "v1-a.example", { dialback: "on", password: "pw-123" });
      const hanging = { ...adapter, versionCommand: () => "sleep 600" };
      await expect(
        startInstance({ key: "prosody@0.12.3#1", entry, adapter: hanging, image, config }, { runId, network, readyTimeoutMs: 120_000, log: () => {}, versionTimeoutMs: 2_000 }),
      ).rejects.toThrow(/prosody@0\.12\.3#1: version check in the container: no result within 2s/);
      expect((await labelled(d, runId)).containers).toEqual([]);
    } finally {
      await removeLabelled(d, runId);
    }
  }, 300_000);
});

describe("--timeout", () => {
  // A run that cannot finish whatever the machine's speed (a server that never answers).
  let scenario: Awaited<ReturnType<typeof neverFinishingScenario>>;
  beforeAll(async () => {
    scenario = await neverFinishingScenario(tmp);
  }, 600_000);
  afterAll(() => scenario?.remove());

  it("ends the whole run with exit 3 and leaves nothing behind", async () => {
    const r = await runCli(["run", scenario.file, "--out", join(tmp, "timeout"), "--timeout", "20s"], { timeoutMs: 200_000 });
    const runId = /: run (\S+), \d+ cells from /.exec(r.stderr)?.[1];
    expect(runId, r.stderr).toBeDefined();
    try {
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/the run's --timeout of 20s expired; removing run/);
      expect(r.stderr).toMatch(/[01] of 4 cells finished before the timeout/);
      // The finished cells' reports, marked incomplete with the reason (issue #18).
      const results = JSON.parse(readFileSync(join(tmp, "timeout", "results.json"), "utf8"));
      expect(results.incomplete).toMatchObject({ exitCode: 3, reason: "the run's --timeout of 20s expired" });
      expect(results.incomplete.finished + results.incomplete.notRun.length).toBe(4);
      // Every cell that needs the silent server is among those not run.
      expect(results.incomplete.notRun.filter((c: { id: string }) => c.id.includes("silent"))).toHaveLength(3);
      expect(await labelled(d, runId!)).toEqual({ containers: [], networks: [] });
    } finally {
      if (runId) await removeLabelled(d, runId);
    }
  }, 300_000);

  it("a duration that does not parse is a usage error", async () => {
    const r = await runCli(["run", "scenarios/smoke.yaml", "--timeout", "soon"], { env: { DOCKER_HOST: "unix:///nonexistent.sock" }, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--timeout <duration>.*expected a duration such as 90s/s);
  }, 120_000);
});
