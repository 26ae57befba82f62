// Which runs count as dead, and what the cleanup says it did: it never claims to
// have removed what is still there.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { describeRemoved, isDeadRun, isStopping, removalLine, stopInProgress } from "../../harness/docker/cleanup.ts";
import { LABEL_HOST, LABEL_PID, LABEL_PIDNS, LABEL_RUN, LABEL_STARTED, pidNamespace, processStartTime } from "../../harness/docker/labels.ts";

const deadPid = (): number => {
  const pid = spawnSync("true").pid!;
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
};
const here = pidNamespace();
const labels = (pid: string, pidns: string | null = here, extra: Record<string, string> = {}) => ({
  [LABEL_RUN]: "r",
  [LABEL_PID]: pid,
  [LABEL_HOST]: hostname(),
  ...(pidns === null ? {} : { [LABEL_PIDNS]: pidns }),
  ...extra,
});
const HOUR = 3600_000;
const now = Date.now();
const fresh = (l: Record<string, string>) => ({ labels: l, createdMs: now - HOUR });
const old = (l: Record<string, string>) => ({ labels: l, createdMs: now - 25 * HOUR });
const self = (pid = 1) => ({ pid, pidns: here });

describe("isDeadRun", () => {
  it("a run of this pid namespace whose process is gone is dead", () => {
    expect(isDeadRun(fresh(labels(String(deadPid()))))).toBe(true);
  });
  it("a run whose pid now belongs to a process started at another time is dead", () => {
    expect(isDeadRun(fresh(labels(String(process.ppid), here, { [LABEL_STARTED]: "1" })), now, self())).toBe(true);
    expect(isDeadRun(fresh(labels(String(process.ppid), here, { [LABEL_STARTED]: processStartTime(process.ppid)! })), now, self())).toBe(false);
  });
  it.each([
    ["a live process (this one, seen from another)", () => fresh(labels(String(process.pid))), 1],
    ["the calling process itself", () => fresh(labels(String(process.pid))), process.pid],
    // A second container on this host, same hostname: its pid means nothing here.
    ["another pid namespace, its pid free here", () => fresh(labels(String(deadPid()), "c5ba8987-0000/pid:[4026532999]")), 1],
    ["another machine or boot", () => fresh(labels(String(deadPid()), "another-boot/pid:[4026531836]")), 1],
    ["an older harness without the namespace label", () => fresh(labels(String(deadPid()), null)), 1],
    ["no pid label", () => fresh({ [LABEL_RUN]: "r", [LABEL_PIDNS]: here }), 1],
    ["a pid that is not a number", () => fresh(labels("12ab")), 1],
    ["not a run's object", () => fresh({ [LABEL_PID]: String(deadPid()), [LABEL_PIDNS]: here }), 1],
    ["another namespace, creation time unknown", () => ({ labels: labels(String(deadPid()), "elsewhere") }), 1],
  ])("not dead: %s", (_name, make, pid) => {
    expect(isDeadRun(make(), now, self(pid))).toBe(false);
  });
  it("a run whose liveness cannot be read here is dead once older than a day", () => {
    expect(isDeadRun(old(labels(String(process.pid), "elsewhere")), now, self())).toBe(true);
    expect(isDeadRun(old(labels(String(process.pid), null)), now, self())).toBe(true);
  });
});

describe("describeRemoved", () => {
  it("names everything removed", () => {
    expect(describeRemoved({ containers: ["c1", "c2"], networks: ["n"], volumes: [] })).toBe("removed 2 container(s): c1, c2; 1 network(s): n");
  });
  it("nothing to remove only when nothing failed either", () => {
    expect(describeRemoved({ containers: [], networks: [], volumes: [] })).toBe("nothing to remove");
    expect(describeRemoved({ containers: [], networks: [], volumes: [], failed: [] })).toBe("nothing to remove");
    expect(describeRemoved({ containers: [], networks: [], volumes: [], failed: ["network n (has active endpoints)"] })).toBe(
      "could not remove network n (has active endpoints)",
    );
  });
  it("what could not be removed is said next to what was", () => {
    expect(describeRemoved({ containers: ["c1"], networks: [], volumes: [], failed: ["network n (has active endpoints)"] })).toBe(
      "removed 1 container(s): c1; could not remove network n (has active endpoints)",
    );
  });
});

describe("removalLine: what a run says about objects it removed or could not", () => {
  const none = { containers: [], networks: [], volumes: [] };
  it("nothing when there was nothing to remove", () => {
    expect(removalLine("leftovers of dead runs", { ...none, failed: [] })).toBeUndefined();
  });
  it("what it removed", () => {
    expect(removalLine("leftovers of dead runs", { ...none, networks: ["s2s-matrix-r1"], failed: [] })).toBe("leftovers of dead runs: removed 1 network(s): s2s-matrix-r1");
  });
  it("a network it could not remove, even when nothing else was there, with how to find out why", () => {
    const failed = ["network s2s-matrix-20261208-051334-bc4624 (error while removing network: network s2s-matrix-20261208-051334-bc4624 id aae15fbe4a71 has active endpoints)"];
    const line = removalLine("leftovers of dead runs", { ...none, failed })!;
    expect(line).toContain("could not remove network s2s-matrix-20261208-051334-bc4624 (error while removing network:");
    expect(line).toContain("`docker network inspect` shows what is attached");
    expect(removalLine("leftovers of dead runs", { ...none, failed: ["container c1 (permission denied)"] })).toBe("leftovers of dead runs: could not remove container c1 (permission denied)");
  });
});

describe("stop state", () => {
  it("no run is stopping until a signal handler starts removing it", () => {
    expect(isStopping("any-run")).toBe(false);
    expect(stopInProgress()).toBe(false);
  });
});
