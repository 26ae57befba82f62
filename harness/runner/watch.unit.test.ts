// Docker events → the fault they mean → the words and the fix the user reads.
import { describe, expect, it } from "vitest";
import { faultError, faultFix, faultOf, faultText, type DockerEvent } from "./watch.ts";

const at = new Date("2026-12-02T23:54:40Z");
const hhmmss = () => "23:54:40";
const event = (Action: string, attrs: Record<string, string> = {}): DockerEvent => ({
  Type: "container",
  Action,
  time: at.getTime() / 1000,
  Actor: { ID: "abc123", Attributes: { "s2s-matrix.instance": "prosody@13.0.7#1", name: "s2s-matrix-r-prosody", ...attrs } },
});

describe("faultOf: what an event means", () => {
  it("die with exit code 137 after an oom event: OOM-killed", () => {
    const f = faultOf(event("die", { exitCode: "137" }), true)!;
    expect(faultText(f, hhmmss)).toBe("prosody@13.0.7#1 was OOM-killed");
    expect(faultFix(f)).toMatch(/^give the engine more memory, or run fewer cells at once \(--concurrency\); .*--resume/);
  });

  it("die 137 without oom: killed (docker kill)", () => {
    expect(faultText(faultOf(event("die", { exitCode: "137" }), false)!, hhmmss)).toBe("prosody@13.0.7#1 was killed (SIGKILL, exit code 137) at 23:54:40");
  });

  it("die 143: stopped; another code: exited with it", () => {
    expect(faultText(faultOf(event("die", { exitCode: "143" }), false)!, hhmmss)).toBe("prosody@13.0.7#1 was stopped (SIGTERM, exit code 143) at 23:54:40");
    const crashed = faultOf(event("die", { exitCode: "1" }), false)!;
    expect(faultText(crashed, hhmmss)).toBe("prosody@13.0.7#1 exited with code 1 at 23:54:40");
    expect(faultFix(crashed)).toMatch(/^the server crashed/);
  });

  it("destroy (removed under the run): vanished", () => {
    expect(faultText(faultOf(event("destroy"), false)!, hhmmss)).toBe("prosody@13.0.7#1 vanished at 23:54:40 (its container was removed)");
  });

  it("other events and other object types mean nothing", () => {
    for (const a of ["start", "create", "kill", "oom", "exec_start"]) expect(faultOf(event(a), false)).toBeUndefined();
    expect(faultOf({ ...event("die"), Type: "network" }, false)).toBeUndefined();
  });

  it("the engine: restarted (containers lost) or stopped answering; never the config hint", () => {
    const restarted = { kind: "engine" as const, restarted: true, at };
    expect(faultText(restarted, hhmmss)).toBe("the Docker engine restarted at 23:54:40; all containers of the run were lost");
    expect(faultText({ ...restarted, restarted: false }, hhmmss)).toBe("the Docker engine stopped answering at 23:54:40; the run's containers cannot be reached");
    const e = faultError(restarted);
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/fix: something restarted the Docker engine .*--resume <report dir>\/results\.json/);
    expect(e.message).not.toMatch(/log lines above/);
  });
});
