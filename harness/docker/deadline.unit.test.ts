import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, readinessBound, within } from "./deadline.ts";
import { run } from "./base-images.ts";

describe("readinessBound", () => {
  it("grows with the virtual hosts beyond 20, and only then", () => {
    expect([readinessBound(120_000, 1), readinessBound(120_000, 20), readinessBound(120_000, 60), readinessBound(15_000, 380)]).toEqual([120_000, 120_000, 160_000, 375_000]);
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["90", 90_000],
    ["2.5s", 2_500],
    ["20m", 1_200_000],
    ["20min", 1_200_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "soon", "0", "0s", "-5s", "5 m", "1d"])("refuses %j", (text) => expect(parseDuration(text)).toBeUndefined());
  it("formats back", () => {
    expect([formatDuration(90_000), formatDuration(1_200_000), formatDuration(3_600_000), formatDuration(2_500)]).toEqual(["1m 30s", "20m", "1h", "2.5s"]);
  });
});

describe("within", () => {
  it("passes a result through", async () => {
    await expect(within(1_000, "stage", Promise.resolve(7))).resolves.toBe(7);
  });
  it("a wait that never ends is an environment error naming the stage, and what was waited on is stopped", async () => {
    let stopped = false;
    const never = new Promise<never>(() => {});
    await expect(within(50, "the thing", never, { onTimeout: () => (stopped = true) })).rejects.toMatchObject({
      exitCode: 3,
      message: "the thing: no result within 0.1s",
    });
    expect(stopped).toBe(true);
  });
});

describe("commands the harness waits on (debootstrap, apt-get)", () => {
  it("are killed and named when they take too long", async () => {
    // Without the bound this waits the whole 600 s and the test times out.
    await expect(run("sleep", ["600"], {}, 300)).rejects.toThrow(/^sleep gave no result within 0\.3s and was stopped/);
  });
  it("still report a failing command's exit code and output", async () => {
    await expect(run("sh", ["-c", "echo boom >&2; exit 4"], {}, 10_000)).rejects.toThrow(/^sh exited 4:\nboom/);
  });
});
