// Which runs count as dead, and what the cleanup says it did: it never claims to
// have removed what is still there.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { describeRemoved, isDeadRun, isStopping, stopInProgress } from "../../harness/docker/cleanup.ts";
import { LABEL_HOST, LABEL_PID, LABEL_RUN } from "../../harness/docker/labels.ts";

const deadPid = (): number => {
  const pid = spawnSync("true").pid!;
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
};
const labels = (pid: string, host = hostname()) => ({ [LABEL_RUN]: "r", [LABEL_PID]: pid, [LABEL_HOST]: host });

describe("isDeadRun", () => {
  it("a run of this host whose process is gone is dead", () => {
    expect(isDeadRun(labels(String(deadPid())))).toBe(true);
  });
  it.each([
    ["a live process (this one, seen from another)", () => labels(String(process.pid)), 1],
    ["the calling process itself", () => labels(String(process.pid)), process.pid],
    ["another host: its pid means nothing here", () => labels(String(deadPid()), `not-${hostname()}`), 1],
    ["no pid label", () => ({ [LABEL_RUN]: "r", [LABEL_HOST]: hostname() }), 1],
    ["a pid that is not a number", () => labels("12ab"), 1],
    ["no host label", () => ({ [LABEL_RUN]: "r", [LABEL_PID]: "1" }), 1],
  ])("not dead: %s", (_name, make, self) => {
    expect(isDeadRun(make() as Record<string, string>, self)).toBe(false);
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

describe("stop state", () => {
  it("no run is stopping until a signal handler starts removing it", () => {
    expect(isStopping("any-run")).toBe(false);
    expect(stopInProgress()).toBe(false);
  });
});
