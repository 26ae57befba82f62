// Issue #18: a server killed mid-run (twice: restarted once, then the run stops)
// and the Docker engine lost mid-run, through the real CLI. Each ends at once with
// its cause, writes the reports of the finished cells marked incomplete, leaves
// nothing behind; --resume then completes the matrix as an uninterrupted run has it.
//
// The engine's loss is simulated at the client: the CLI talks to the engine through
// this test's own unix-socket proxy (DOCKER_HOST), which the test closes, removing the
// run's containers through the real socket as a restart does, then opens again. A
// real dockerd restart would kill the containers of every other test and helper
// sharing the engine (and of CI's parallel test files).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import type { RunResults } from "../../core/types.ts";
import { killIfRunning, labelled, removeLabelled, startCli, waitFor, type CliRun } from "./helpers.ts";

const SCENARIO = `name: Interrupted run
servers: [prosody@0.12.3, prosody@13.0.7]
certificates: [dual-eku, server-only]
dialback: [off]
expect:
  default: federates
`;

const runIdOf = (stderr: string) => /: run (\S+),/.exec(stderr)?.[1];
const cellsDone = (stderr: string) => (stderr.match(/^\[\d+\/\d+\] /gm) ?? []).length;
const read = (dir: string): RunResults => JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
/** What must be equal cell for cell between two runs of the same matrix. */
const verdicts = (r: RunResults) =>
  Object.fromEntries(r.cells.map((c) => [c.spec.id, { outcome: c.outcome, auth: c.auth.outbound, expected: c.spec.expected, asExpected: c.asExpected }]));

/** The run's container of one instance, found by its labels (never another run's). */
async function containerOf(d: Dockerode, runId: string, instance: string) {
  const list = await d.listContainers({ filters: { label: [`s2s-matrix.run=${runId}`, `s2s-matrix.instance=${instance}`] } });
  return list[0];
}

describe("a run interrupted mid-way (issue #18)", () => {
  const dir = mkdtempSync(join(tmpdir(), "s2s-interrupted-"));
  const scenario = join(dir, "scenario.yaml");
  writeFileSync(scenario, SCENARIO);
  let d: Dockerode;
  const runIds: string[] = [];
  let child: CliRun | undefined;
  const args = (out: string, ...more: string[]) => ["run", scenario, "--out", join(dir, out), "--concurrency", "1", ...more];

  beforeAll(async () => {
    d = await docker();
  });
  afterAll(async () => {
    killIfRunning(child?.child);
    for (const id of runIds) await removeLabelled(d, id);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  let reference: RunResults;
  it("an uninterrupted run: the reference", async () => {
    const r = await startCli(args("whole"), { timeoutMs: 300_000 }).done;
    const id = runIdOf(r.stderr);
    if (id) runIds.push(id);
    expect([0, 1], r.stderr).toContain(r.code);
    reference = read(join(dir, "whole"));
    expect(reference.incomplete).toBeUndefined();
    expect(reference.cells).toHaveLength(8);
  }, 320_000);

  it("a server killed twice: restarted once, then the run stops within 15 s, incomplete reports, nothing left; --resume completes it", async () => {
    child = startCli(args("killed"), { timeoutMs: 300_000 });
    const runId = await waitFor(() => runIdOf(child!.stderr()), 60_000);
    expect(runId).toBeTruthy();
    runIds.push(runId!);
    const target = "prosody@13.0.7#1";
    // First kill once a cell is done: the server is restarted for the cells still waiting on it.
    expect(await waitFor(() => cellsDone(child!.stderr()) >= 1, 200_000), child.stderr()).toBeTruthy();
    const first = await containerOf(d, runId!, target);
    expect(first, child.stderr()).toBeTruthy();
    await d.getContainer(first.Id).kill();
    expect(await waitFor(() => /restarting it once/.test(child!.stderr()), 15_000), child.stderr()).toBeTruthy();
    // Second kill once the restarted container runs: the run stops.
    const second = await waitFor(async () => {
      const c = await containerOf(d, runId!, target);
      return c && c.Id !== first.Id ? c : undefined;
    }, 120_000);
    expect(second, child.stderr()).toBeTruthy();
    const killedAt = Date.now();
    await d.getContainer(second!.Id).kill();
    const r = await child.done;
    const noticedMs = Date.now() - killedAt;
    console.log(`server killed twice: the CLI exited ${noticedMs} ms after the second kill (load ${(await import("node:os")).loadavg()[0].toFixed(1)})\n${r.stderr.split("\n").filter((l) => /killed|restart|incomplete|fix:/.test(l)).join("\n")}`);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/prosody@13\.0\.7#1 was killed \(SIGKILL, exit code 137\) at \d\d:\d\d:\d\d, a second time/);
    expect(r.stderr).not.toMatch(/read the server's log lines above/);
    const partial = read(join(dir, "killed"));
    expect(partial.incomplete?.exitCode).toBe(3);
    expect(partial.incomplete!.finished + partial.incomplete!.notRun.length).toBe(8);
    expect(partial.cells.length).toBe(partial.incomplete!.finished);
    expect(partial.incomplete!.notRun.length).toBeGreaterThan(0);
    const junit = readFileSync(join(dir, "killed", "junit.xml"), "utf8");
    expect((junit.match(/<skipped message="not run: /g) ?? []).length).toBe(partial.incomplete!.notRun.length);
    expect(readFileSync(join(dir, "killed", "matrix.md"), "utf8")).toMatch(/Incomplete run: \d+ cells? finished, \d+ not run/);
    expect(readFileSync(join(dir, "killed", "matrix.html"), "utf8")).toMatch(/Incomplete run: /);
    expect(await labelled(d, runId!)).toEqual({ containers: [], networks: [] });

    const resumed = await startCli(args("resumed", "--resume", join(dir, "killed", "results.json")), { timeoutMs: 300_000 }).done;
    const rid = runIdOf(resumed.stderr);
    if (rid) runIds.push(rid);
    expect([0, 1], resumed.stderr).toContain(resumed.code);
    expect(resumed.stderr).toMatch(new RegExp(`resuming run ${runId}: ${partial.cells.filter((c) => !c.attempts.at(-1)!.interrupted).length} finished cell\\(s\\) kept`));
    const whole = read(join(dir, "resumed"));
    expect(whole.incomplete).toBeUndefined();
    expect(whole.resumed?.runId).toBe(runId);
    expect(verdicts(whole)).toEqual(verdicts(reference));
  }, 600_000);

  it("the engine lost mid-run (simulated at the client): the run stops within 15 s naming the restart, incomplete reports, nothing left", async () => {
    const sock = join(dir, "docker.sock");
    const sockets = new Set<Socket>();
    const open = () =>
      new Promise<Server>((resolve) => {
        const server = createServer((c) => {
          const up = createConnection("/var/run/docker.sock");
          sockets.add(c).add(up);
          c.pipe(up).pipe(c);
          const end = () => (c.destroy(), up.destroy(), sockets.delete(c), sockets.delete(up));
          c.on("error", end).on("close", end);
          up.on("error", end).on("close", end);
        });
        server.listen(sock, () => resolve(server));
      });
    let proxy = await open();
    child = startCli(args("engine"), { timeoutMs: 300_000, env: { DOCKER_HOST: `unix://${sock}` } });
    const runId = await waitFor(() => runIdOf(child!.stderr()), 60_000);
    runIds.push(runId!);
    expect(await waitFor(() => cellsDone(child!.stderr()) >= 1, 200_000), child.stderr()).toBeTruthy();
    // The "restart": the engine's connections drop, the run's containers go, the engine answers again.
    // (server.close waits for open connections: they are cut first, as a dying engine cuts them.)
    const lostAt = Date.now();
    const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    rmSync(sock, { force: true });
    const gone = await d.listContainers({ all: true, filters: { label: [`s2s-matrix.run=${runId}`] } });
    await Promise.all(gone.map((c) => d.getContainer(c.Id).remove({ force: true, v: true })));
    proxy = await open();
    console.log(`engine "restart": ${gone.length} containers removed, proxy back ${Date.now() - lostAt} ms after it closed`);
    const r = await child.done;
    const noticedMs = Date.now() - lostAt;
    proxy.close();
    console.log(`engine lost (simulated): the CLI exited ${noticedMs} ms after the proxy closed (load ${(await import("node:os")).loadavg()[0].toFixed(1)})\n${r.stderr.split("\n").filter((l) => /engine|incomplete|fix:/.test(l)).join("\n")}`);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/the Docker engine restarted at \d\d:\d\d:\d\d; all containers of the run were lost/);
    expect(r.stderr).not.toMatch(/did not become ready|read the server's log lines above/);
    const partial = read(join(dir, "engine"));
    expect(partial.incomplete?.reason).toMatch(/the Docker engine restarted at/);
    expect(partial.incomplete!.finished).toBeGreaterThanOrEqual(1);
    expect(partial.incomplete!.finished + partial.incomplete!.notRun.length).toBe(8);
    expect(await labelled(d, runId!)).toEqual({ containers: [], networks: [] });
  }, 400_000);
});
