// Watches a run's containers and the engine connection (Docker events filtered by
// the run's label), so that a server that dies and an engine that goes away end
// the waits that depend on them within seconds, with the real cause, instead of
// at a readiness or probe timeout with a misleading one (issue #18).
import type Dockerode from "dockerode";
import { EnvironmentError } from "../../core/errors.ts";
import { LABEL_RUN } from "../docker/labels.ts";

/** Something the run did not do to itself. */
export type Fault =
  /** A container of the run stopped on its own (or was killed by someone else). */
  | { kind: "died"; instance: string; exitCode?: number; oom: boolean; at: Date }
  /** The events stream broke; `restarted`: the engine answers again but the run's containers are gone. */
  | { kind: "engine"; restarted: boolean; at: Date };

/** One Docker event as the engine sends it (the fields used here). */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export const clock = (at: Date): string => at.toTimeString().slice(0, 8);

/** `prosody@13.0.7#1 was OOM-killed`, `… was killed (exit code 137)`, `the Docker engine restarted at 23:54:40; …`. */
export function faultText(f: Fault, time: (d: Date) => string = clock): string {
  if (f.kind === "engine") {
    return f.restarted
      ? `the Docker engine restarted at ${time(f.at)}; all containers of the run were lost`
      : `the Docker engine stopped answering at ${time(f.at)}; the run's containers cannot be reached`;
  }
  if (f.oom) return `${f.instance} was OOM-killed`;
  if (f.exitCode === 137) return `${f.instance} was killed (SIGKILL, exit code 137) at ${time(f.at)}`;
  if (f.exitCode === 143) return `${f.instance} was stopped (SIGTERM, exit code 143) at ${time(f.at)}`;
  if (f.exitCode === undefined) return `${f.instance} vanished at ${time(f.at)} (its container was removed)`;
  return `${f.instance} exited with code ${f.exitCode} at ${time(f.at)}`;
}

const RESUME = "the reports of the cells that finished are written; run the same command again with --resume <report dir>/results.json to run only the rest";

/** The fix that fits the cause (never "read the server's log lines": that is for a configuration it rejects while starting). */
export function faultFix(f: Fault): string {
  if (f.kind === "engine") {
    return f.restarted
      ? `something restarted the Docker engine (an upgrade, an OOM kill of dockerd, a CI runner hiccup); ${RESUME}`
      : `check that the Docker engine runs (docker info); ${RESUME}`;
  }
  if (f.oom) return `give the engine more memory, or run fewer cells at once (--concurrency); ${RESUME}`;
  if (f.exitCode === 137 || f.exitCode === 143 || f.exitCode === undefined) {
    return `something outside s2s-matrix stopped the container (docker kill/rm, a clean-up job, the kernel's OOM killer); ${RESUME}`;
  }
  return `the server crashed: its last log lines are in the cells' logs; ${RESUME}`;
}

export const faultError = (f: Fault, prefix = "", suffix = ""): EnvironmentError => new EnvironmentError(prefix + faultText(f) + suffix, faultFix(f));

/**
 * Pure: the fault an event means, given whether that container's OOM was seen.
 * `die` is the fact (with its exit code); `oom` precedes it; `destroy` without a
 * `die` is a container removed under the run (`docker rm -f` sends both).
 */
export function faultOf(e: DockerEvent, oomSeen: boolean): Fault | undefined {
  const action = e.Action ?? e.status;
  const attrs = e.Actor?.Attributes ?? {};
  const instance = attrs["s2s-matrix.instance"] ?? attrs.name ?? e.Actor?.ID?.slice(0, 12) ?? "a container";
  const at = new Date((e.time ?? Date.now() / 1000) * 1000);
  if (e.Type && e.Type !== "container") return undefined;
  if (action === "die") {
    const code = Number(attrs.exitCode);
    return { kind: "died", instance, exitCode: Number.isFinite(code) ? code : undefined, oom: oomSeen, at };
  }
  if (action === "destroy") return { kind: "died", instance, oom: oomSeen, at };
  return undefined;
}

export interface RunWatch {
  /** The harness is about to stop or remove this instance's container: its death is no fault. */
  expectStop(instance: string): void;
  /** A restarted instance may die again: its next death counts. */
  expectRunning(instance: string): void;
  /** Resolves once the deaths seen so far are reported, and a lost engine is judged. */
  quiet(): Promise<void>;
  close(): void;
}

export interface WatchOptions {
  /** A death of a container is reported after this grace: an engine shutting down kills every container first. */
  graceMs?: number;
  /** How long a lost engine is given to answer again before it counts as gone. */
  reconnectMs?: number;
  /** Whether the run still has containers (after the engine answers again). */
  runHasContainers?: () => Promise<boolean>;
}

/**
 * Subscribes to the run's container events; calls `onFault` once per fault. The
 * stream ending (or erroring) is the engine going away: the watch then pings it
 * until it answers (restarted: the run's containers are gone) or `reconnectMs` pass.
 */
export async function watchRun(d: Dockerode, runId: string, onFault: (f: Fault) => void, opts: WatchOptions = {}): Promise<RunWatch> {
  const graceMs = opts.graceMs ?? 1_000;
  const reconnectMs = opts.reconnectMs ?? 8_000;
  const expected = new Set<string>();
  const oom = new Set<string>();
  const reported = new Set<string>();
  /** Containers whose `die` was seen: their `destroy` says nothing new. */
  const dead = new Set<string>();
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;
  let engineLost = false;
  let judging: Promise<void> | undefined;
  let stream: NodeJS.ReadableStream & { destroy?: () => void };

  const subscribe = async () => {
    const s = (await d.getEvents({ filters: { type: ["container"], label: [`${LABEL_RUN}=${runId}`] } })) as NodeJS.ReadableStream & { destroy?: () => void };
    let buf = "";
    s.on("data", (b: Buffer) => {
      buf += b.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as DockerEvent);
      }
    });
    // Only the current stream's end counts (a re-subscribed watch drops the old one).
    const lost = () => void (s === stream && (judging ??= lose().finally(() => (judging = undefined))));
    s.on("end", lost);
    s.on("close", lost);
    s.on("error", lost);
    return s;
  };

  const onEvent = (e: DockerEvent) => {
    if (closed || engineLost) return;
    const key = e.Actor?.Attributes?.["s2s-matrix.instance"];
    const action = e.Action ?? e.status;
    if (action === "oom" && key) oom.add(key);
    const id = e.Actor?.ID ?? "";
    if (action === "destroy" && dead.has(id)) return;
    if (action === "die") dead.add(id);
    const f = faultOf(e, key ? oom.has(key) : false);
    if (!f || f.kind !== "died" || expected.has(f.instance) || reported.has(f.instance)) return;
    reported.add(f.instance);
    // An engine going down kills every container before its stream ends: wait a moment to tell the two apart.
    const t = setTimeout(() => {
      pending.delete(t);
      if (!closed && !engineLost && !expected.has(f.instance)) onFault(f);
    }, graceMs);
    pending.add(t);
  };

  const lose = async () => {
    if (closed || engineLost) return;
    engineLost = true;
    const at = new Date();
    const until = Date.now() + reconnectMs;
    while (!closed && Date.now() < until) {
      const answered = await d.ping().then(() => true, () => false);
      if (answered) {
        // Answers again: a restart when the run's containers are gone, else a dropped connection (watch on).
        const has = opts.runHasContainers ? await opts.runHasContainers().catch(() => false) : false;
        if (has) {
          engineLost = false;
          const old = stream;
          stream = await subscribe().catch(() => stream);
          if (stream !== old) old.destroy?.();
          return;
        }
        if (!closed) onFault({ kind: "engine", restarted: true, at });
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!closed) onFault({ kind: "engine", restarted: false, at });
  };

  stream = await subscribe();
  return {
    expectStop: (instance) => void expected.add(instance),
    expectRunning: (instance) => {
      expected.delete(instance);
      reported.delete(instance);
      oom.delete(instance);
    },
    quiet: async () => {
      await new Promise((r) => setTimeout(r, graceMs + 100));
      while (judging) await judging;
    },
    close: () => {
      closed = true;
      for (const t of pending) clearTimeout(t);
      stream.destroy?.();
    },
  };
}
