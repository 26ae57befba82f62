// A run interrupted mid-way (Ctrl-C, a CI job cancelled) exits promptly with the
// conventional code and leaves no container and no network of its run behind,
// and no key material in the repository.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { LABEL_RUN } from "../../harness/docker/labels.ts";
import { keyLikeFilesInRepo, killIfRunning, labelled, neverFinishingScenario, removeLabelled, sleep, startCli, waitFor, type CliRun } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "s2s-matrix-interrupt-"));
let d: Dockerode;
let keysBefore: string[];
let current: CliRun | undefined;
let runId: string | undefined;

// The run must still be going when the signal comes, however fast the machine: a server that never answers.
let scenario: Awaited<ReturnType<typeof neverFinishingScenario>>;
beforeAll(async () => {
  d = await docker();
  keysBefore = keyLikeFilesInRepo();
  scenario = await neverFinishingScenario(tmp);
}, 600_000);
/** Runs that passed: the last test looks again, later, for anything of theirs that showed up after their exit. */
const settled: string[] = [];
afterEach(async ({ task }) => {
  // Whatever happened, nothing of this test stays behind; a passing run is left for that later look.
  killIfRunning(current?.child);
  await current?.done.catch(() => {});
  if (runId && task.result?.state === "pass") settled.push(runId);
  else if (runId) await removeLabelled(d, runId);
  current = runId = undefined;
}, 60_000);
afterAll(async () => {
  for (const id of settled) await removeLabelled(d, id);
  scenario?.remove();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

/** The run id the CLI prints first: "s2s-matrix 0.1.0: run <id>, 4 cells from …". */
const runIdOf = (stderr: string) => /: run (\S+), \d+ cells from /.exec(stderr)?.[1];

async function interrupt(signal: "SIGINT" | "SIGTERM", when: "start" | "containers" | "ready", delayMs = 0) {
  const out = join(tmp, `${signal}-${when}`);
  current = startCli(["run", scenario.file, "--out", out], { timeoutMs: 150_000 });
  const cli = current;
  runId = await waitFor(() => runIdOf(cli.stderr()), 30_000);
  expect(runId, cli.stderr()).toBeDefined();
  const id = runId!;
  // The moment chosen: as soon as the first container of the run exists (others
  // are still being created), or once a server has reported ready.
  const reached = await waitFor(
    async () =>
      when === "start" ? true : when === "containers" ? (await labelled(d, id)).containers.length > 0 : /#\d ready \(/.test(cli.stderr()),
    90_000,
    100,
  );
  expect(reached, cli.stderr()).toBe(true);
  if (delayMs) await sleep(delayMs);
  const sentAt = Date.now();
  cli.child.kill(signal);
  // The test's own timeout bounds the wait for the exit; no speed is assumed.
  const r = await cli.done;
  const exitMs = Date.now() - sentAt;
  expect(r!.signal).toBeNull();
  expect(r!.code, r!.stderr).toBe(signal === "SIGINT" ? 130 : 143);
  expect(r!.stderr).toContain(`${signal === "SIGINT" ? "interrupted" : "terminated"}; removing run ${id}'s containers and networks`);
  expect(r!.stderr).toMatch(/s2s-matrix: (removed |nothing to remove)/);
  if (when === "ready") {
    // Once servers are up the run has started: what it measured is written, marked incomplete (issue #18).
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(results.incomplete, r!.stderr).toMatchObject({ exitCode: signal === "SIGINT" ? 130 : 143, reason: signal === "SIGINT" ? "interrupted" : "terminated" });
    expect(results.incomplete.finished + results.incomplete.notRun.length).toBe(4);
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toContain('<skipped message="not run: the run stopped early (');
  }

  // Nothing of the run now; and later (a container whose creation was in flight at the
  // signal would show up after the exit): the last test looks again, once for every run.
  expect(await labelled(d, id)).toEqual({ containers: [], networks: [] });
  // Belt and braces: no container of any run carries this run id under another name.
  const all = await d.listContainers({ all: true, filters: { label: [LABEL_RUN] } });
  expect(all.filter((c) => c.Labels[LABEL_RUN] === id)).toEqual([]);
  expect(keyLikeFilesInRepo()).toEqual(keysBefore);
  // Without --keep no key directory exists for the run either.
  expect(existsSync(join(tmpdir(), `s2s-matrix-${id}`))).toBe(false);
  const removedLine = r!.stderr.split("\n").find((l) => /^s2s-matrix: (removed|nothing)/.test(l));
  console.log(`${signal} at ${when}${delayMs ? `+${delayMs} ms` : ""}: exit ${r!.code} ${exitMs} ms after the signal; ${removedLine}`);
  return exitMs;
}

describe("interrupting a run", () => {
  // The moments that matter: before anything exists (images, CA, network being
  // made), while the containers are being created (creations in flight land after
  // a first removal pass: this left 3 containers and the network behind before
  // cleanup.ts removed until settled), and once servers answer.
  it("SIGINT right after the run starts → exit 130, nothing left", async () => {
    await interrupt("SIGINT", "start");
  }, 180_000);

  it("SIGINT 900 ms in, containers being created → exit 130, nothing left", async () => {
    await interrupt("SIGINT", "start", 900);
  }, 180_000);

  it("SIGINT once the first container exists → exit 130, nothing left", async () => {
    await interrupt("SIGINT", "containers");
  }, 180_000);

  it("SIGTERM once servers are ready → exit 143, nothing left", async () => {
    await interrupt("SIGTERM", "ready");
  }, 180_000);

  it("nothing of any of those runs shows up after its exit", async () => {
    expect(settled.length).toBeGreaterThan(0);
    // At least 5 s after the latest exit (the earlier ones have had longer).
    await sleep(5_000);
    for (const id of settled) expect(await labelled(d, id), id).toEqual({ containers: [], networks: [] });
  }, 60_000);
});
