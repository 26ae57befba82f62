// Docker events → the fault they mean → the words and the fix the user reads.
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeathFilter, faultError, faultFix, faultOf, faultText, lineReader, parseEvent, watchRun, type DockerEvent, type Fault } from "./watch.ts";

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

describe("lineReader and parseEvent: the stream's lines", () => {
  it("a line split across chunks waits for its end; blank lines are dropped", () => {
    const lines = lineReader();
    expect(lines('{"a":1}\n{"b')).toEqual(['{"a":1}']);
    expect(lines('":2}\n\n')).toEqual(['{"b":2}']);
    expect(lines("")).toEqual([]);
  });

  it("a line that is not a JSON object is no event", () => {
    expect(parseEvent("not json")).toBeUndefined();
    expect(parseEvent("[1,2]")).toBeUndefined();
    expect(parseEvent("null")).toBeUndefined();
    expect(parseEvent('"die"')).toBeUndefined();
    expect(parseEvent('{"Action":"die"}')).toEqual({ Action: "die" });
  });
});

describe("DeathFilter: which events are faults", () => {
  const die = (code: string, id = "abc123") => ({ ...event("die", { exitCode: code }), Actor: { ...event("die").Actor, ID: id, Attributes: { "s2s-matrix.instance": "prosody@13.0.7#1", exitCode: code } } });

  it("a death once per instance, again after it is expected running (a restart)", () => {
    const f = new DeathFilter();
    expect(f.see(die("1"))).toMatchObject({ kind: "died", instance: "prosody@13.0.7#1", exitCode: 1, oom: false });
    expect(f.see(die("1", "def456"))).toBeUndefined();
    f.expectRunning("prosody@13.0.7#1");
    expect(f.see(die("137", "def456"))).toMatchObject({ exitCode: 137 });
  });

  it("a container the harness stops is no fault", () => {
    const f = new DeathFilter();
    f.expectStop("prosody@13.0.7#1");
    expect(f.isExpected("prosody@13.0.7#1")).toBe(true);
    expect(f.see(die("143"))).toBeUndefined();
  });

  it("an oom before the die makes it OOM-killed; a destroy after the die says nothing new", () => {
    const f = new DeathFilter();
    expect(f.see(event("oom"))).toBeUndefined();
    expect(f.see(die("137"))).toMatchObject({ oom: true });
    f.expectRunning("prosody@13.0.7#1");
    expect(f.see(event("destroy"))).toBeUndefined();
  });

  it("a destroy without a die: the container vanished", () => {
    expect(new DeathFilter().see(event("destroy"))).toEqual({ kind: "died", instance: "prosody@13.0.7#1", oom: false, at });
  });
});

/** An engine whose events stream the test writes and ends, and whose ping it answers or not. */
function fakeEngine() {
  const streams: PassThrough[] = [];
  const state = { answers: true, pings: 0 };
  const d = {
    getEvents: async () => {
      const s = new PassThrough();
      streams.push(s);
      return s;
    },
    ping: async () => {
      state.pings++;
      if (!state.answers) throw new Error("connect ENOENT /var/run/docker.sock");
      return "OK";
    },
  };
  const send = (e: DockerEvent | string, i = streams.length - 1) => streams[i].write(`${typeof e === "string" ? e : JSON.stringify(e)}\n`);
  return { d: d as unknown as Parameters<typeof watchRun>[0], streams, state, send };
}

describe("watchRun: the run's events, on a clock the test moves", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const died = event("die", { exitCode: "1" });

  it("a death is reported once its grace has passed, not before", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 1000 });
    e.send(died);
    await vi.advanceTimersByTimeAsync(999);
    expect(faults).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(faults).toMatchObject([{ kind: "died", instance: "prosody@13.0.7#1", exitCode: 1 }]);
    w.close();
  });

  it("a container the harness stops within the grace is no fault", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 1000 });
    e.send(died);
    w.expectStop("prosody@13.0.7#1");
    await vi.advanceTimersByTimeAsync(5000);
    expect(faults).toEqual([]);
    w.close();
  });

  it("a malformed line is skipped inside the handler; the next event still counts", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 10 });
    expect(() => e.send("not json")).not.toThrow();
    e.send(died);
    await vi.advanceTimersByTimeAsync(10);
    expect(faults).toHaveLength(1);
    w.close();
  });

  it("the stream ends, the engine answers and the run's containers are there: a new stream, watched on", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 10, runHasContainers: async () => true });
    e.streams[0].end();
    await vi.advanceTimersByTimeAsync(0);
    expect(e.streams).toHaveLength(2);
    e.send(died, 1);
    await vi.advanceTimersByTimeAsync(10);
    expect(faults).toMatchObject([{ kind: "died" }]);
    w.close();
  });

  it("the stream ends, the engine answers but the run's containers are gone: the engine restarted", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { runHasContainers: async () => false });
    e.streams[0].end();
    await vi.advanceTimersByTimeAsync(0);
    expect(faults).toMatchObject([{ kind: "engine", restarted: true }]);
    w.close();
  });

  it("the stream ends and the engine never answers: stopped answering once reconnectMs pass; the deaths it caused are not reported", async () => {
    const e = fakeEngine();
    e.state.answers = false;
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 1000, reconnectMs: 8000 });
    e.send(died); // an engine going down kills its containers first
    e.streams[0].destroy(new Error("socket hang up"));
    await vi.advanceTimersByTimeAsync(7000);
    expect(faults).toEqual([]);
    expect(e.state.pings).toBeGreaterThan(1);
    await vi.advanceTimersByTimeAsync(1250);
    expect(faults).toMatchObject([{ kind: "engine", restarted: false }]);
    w.close();
  });

  it("quiet() waits for a lost engine to be judged", async () => {
    const e = fakeEngine();
    e.state.answers = false;
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 10, reconnectMs: 1000 });
    e.streams[0].end();
    let quiet = false;
    void w.quiet().then(() => (quiet = true));
    await vi.advanceTimersByTimeAsync(500);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(quiet).toBe(true);
    expect(faults).toMatchObject([{ kind: "engine", restarted: false }]);
    w.close();
  });

  it("after close nothing is reported", async () => {
    const e = fakeEngine();
    const faults: Fault[] = [];
    const w = await watchRun(e.d, "r1", (f) => faults.push(f), { graceMs: 10 });
    e.send(died);
    w.close();
    await vi.advanceTimersByTimeAsync(100);
    expect(faults).toEqual([]);
  });
});
