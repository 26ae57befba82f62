// A server that never becomes ready: an EnvironmentError (exit 3) that carries the
// server's own last log lines, and no container of the run left behind.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../../ca/index.ts";
import { resolveServer, adapterFor } from "../../harness/servers/catalog.ts";
import { docker } from "../../harness/docker/client.ts";
import { ensureServerImage } from "../../harness/docker/images.ts";
import { newRunId, runLabels } from "../../harness/docker/labels.ts";
import { EnvironmentError } from "../../core/errors.ts";
import { startInstance } from "../../harness/instance.ts";
import type { InstanceConfig, ServerAdapter } from "../../harness/servers/adapter.ts";
import { labelled, oneHostConfig, removeLabelled } from "./helpers.ts";

const CONFIG = "/etc/prosody/prosody.cfg.lua";

describe("a server that never becomes ready", () => {
  const runId = newRunId();
  const network = `s2s-matrix-${runId}`;
  let d: Dockerode;
  let image: string;
  let config: InstanceConfig;
  const entry = resolveServer("prosody@0.12.3");
  const prosody = adapterFor("prosody");

  beforeAll(async () => {
    d = await docker();
    image = await ensureServerImage(entry, prosody);
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId) });
    const ca = await createCa({ tld: "example", keyType: "ec" });
    config = await oneHostConfig(ca, "nr-a.example", { dialback: "off", password: "not-a-secret" });
  }, 120_000);

  afterAll(async () => {
    await removeLabelled(d, runId);
  }, 60_000);

  /** What startInstance rejected with for `adapter` under `key` (undefined if it started). */
  const startError = (key: string, adapter: ServerAdapter, log: (s: string) => void = () => {}): Promise<unknown> =>
    startInstance({ key, entry, adapter, image, config }, { runId, network, readyTimeoutMs: 15_000, log }).then(
      () => undefined,
      (e: unknown) => e,
    );

  it("prosody with a Lua syntax error in its config → EnvironmentError with prosody's own words, nothing left", async () => {
    // The real adapter, whose rendered config gets a line Lua cannot parse.
    const broken: ServerAdapter = {
      ...prosody,
      render: (e, c) => {
        const r = prosody.render(e, c);
        return { ...r, files: r.files.map((f) => (f.path === CONFIG ? { ...f, content: `${f.content}\nthis is = = not lua\n` } : f)) };
      },
    };
    const logs: string[] = [];
    const t0 = Date.now();
    const err = await startError("prosody@0.12.3#broken", broken, (s) => logs.push(s));
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(EnvironmentError);
    const e = err as EnvironmentError;
    expect(e.exitCode).toBe(3);
    // It exited: said at once as such, not as a readiness timeout.
    expect(e.message).toMatch(/^prosody@0\.12\.3#broken stopped while starting/);
    expect(e.message).toContain("--- its own last log lines ---");
    // Prosody's own report of the broken file: where and what.
    const tail = e.message.split("--- its own last log lines ---\n")[1];
    expect(tail).toMatch(/A problem occurred while reading the config file \/etc\/prosody\/prosody\.cfg\.lua/);
    expect(tail).toMatch(/prosody\.cfg\.lua:\d+: syntax error near 'is'/);
    expect(e.message).toMatch(/fix: read the server's log lines above/);
    expect(logs.some((l) => / ready \(/.test(l))).toBe(false);
    console.log(`not ready after ${ms} ms:\n${e.message}`);

    expect((await labelled(d, runId)).containers).toEqual([]);
  }, 90_000);

  it("a server that exits at once → EnvironmentError with its own words, nothing left", async () => {
    // Its start replaced by a line and an exit: the container stops before or just after
    // testcontainers first looks at its published port. Loaded cores made a broken
    // configuration end this way: 10 s of port wait, no log, the container left behind.
    const exits: ServerAdapter = {
      ...prosody,
      render: (e, c) => ({ ...prosody.render(e, c), command: ["sh", "-c", "echo 's2s-matrix test: this server exits at once'; exit 1"] }),
    };
    const err = await startError("prosody@0.12.3#exits", exits);
    expect(err).toBeInstanceOf(EnvironmentError);
    const e = err as EnvironmentError;
    expect(e.message).toMatch(/^prosody@0\.12\.3#exits stopped while starting/);
    expect(e.message.split("--- its own last log lines ---\n")[1]).toContain("s2s-matrix test: this server exits at once");
    expect((await labelled(d, runId)).containers).toEqual([]);
  }, 90_000);

  it("a server that runs but never passes its ready check → EnvironmentError after the ready timeout, with its log, nothing left", async () => {
    // Neither readiness signal ever comes: no such log line, a ready command that fails.
    const never: ServerAdapter = { ...prosody, readyLogLine: () => /a line prosody never writes/, readyCommand: () => "false" };
    const t0 = Date.now();
    const err = await startError("prosody@0.12.3#never", never);
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(EnvironmentError);
    const e = err as EnvironmentError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/^prosody@0\.12\.3#never did not become ready within 15 s: .+/);
    const tail = e.message.split("--- last log lines of prosody@0.12.3#never ---\n")[1] ?? "";
    // Prosody did start: its own startup lines are what the user gets to read.
    expect(tail).toMatch(/Hello and welcome to Prosody|startup|Activated service/i);
    // It waited out its bound (a lower bound holds at any speed; the test's own timeout is the upper one).
    expect(ms).toBeGreaterThanOrEqual(14_000);
    console.log(`never ready: gave up after ${ms} ms: ${e.message.split("\n")[0]}`);
    expect((await labelled(d, runId)).containers).toEqual([]);
  }, 90_000);
});
