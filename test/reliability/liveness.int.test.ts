// `s2s-matrix clean` (and every run's start) removes only dead runs' objects. A
// live run in another PID namespace (a second container on this host, same
// hostname) whose pid happens to be free here must survive it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { isDeadRun } from "../../harness/docker/cleanup.ts";
import { LABEL_PID, LABEL_PIDNS, pidNamespace } from "../../harness/docker/labels.ts";
import { removeLabelled, ROOT, runCli, waitFor } from "./helpers.ts";

/** A pid that is free in this namespace (its process exited and was reaped). */
function deadPid(): number {
  for (;;) {
    const pid = spawnSync("true").pid!;
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
  }
}

const unshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

describe.skipIf(!unshare)("a live run in another PID namespace", () => {
  const runId = `reltest-pidns-${randomBytes(3).toString("hex")}`;
  const network = `s2s-matrix-${runId}`;
  let d: Dockerode;
  let child: ChildProcess | undefined;
  let out = "";
  const pid = deadPid();

  beforeAll(async () => {
    d = await docker();
    // Its process gets `pid` in its own namespace (ns_last_pid), a number that is free in ours.
    const start = `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid; "$0" --import tsx ${join("test", "reliability", "fixtures", "live-run.ts")} ${runId} ${network} & wait`;
    child = spawn("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", start, process.execPath], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout!.on("data", (b) => (out += b));
    expect(await waitFor(() => /ready \d+/.test(out), 120_000)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    child?.kill("SIGKILL"); // unshare: its namespace's processes go with it
    await removeLabelled(d, runId);
  }, 60_000);

  // Its labels as it made them: on this shared engine an older harness's cleanup
  // (hostname + pid) may remove its network at any moment, which is the bug itself.
  const labels = (): Record<string, string> => JSON.parse(/ready \d+ (.*)/.exec(out)![1]);

  it("is labelled with its own namespace and a pid that is free here", () => {
    expect(out).toContain(`ready ${pid} `);
    expect(labels()[LABEL_PID]).toBe(String(pid));
    expect(labels()[LABEL_PIDNS]).not.toBe(pidNamespace());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("counts as alive, and `s2s-matrix clean` leaves it alone", async () => {
    expect(isDeadRun({ labels: labels(), createdMs: Date.now() })).toBe(false);
    const r = await runCli(["clean"], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(network);
  }, 180_000);
});
