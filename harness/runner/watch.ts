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

/** The events stream is newline-delimited JSON: the complete lines of each chunk; a partial line waits for the rest. */
export function lineReader(): (chunk: string) => string[] {
  let buf = "";
  return (chunk) => {
    const parts = (buf + chunk).split("\n");
    buf = parts.pop()!;
    return parts.map((l) => l.trim()).filter(Boolean);
  };
}

/** One line of the stream as an event; undefined for a line that is not one (no fault: only the stream's end is). */
export function parseEvent(line: string): DockerEvent | undefined {
  try {
    const e: unknown = JSON.parse(line);
    return e && typeof e === "object" && !Array.isArray(e) ? (e as DockerEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which container events are faults: a death the harness did not cause, once per
 * instance until it is expected running again; its OOM remembered; a `destroy`
 * after the `die` already seen says nothing new.
 */
export class DeathFilter {
  private expected = new Set<string>();
  private oom = new Set<string>();
  private reported = new Set<string>();
  /** Containers whose `die` was seen. */
  private dead = new Set<string>();

  /** The fault this event means, to be reported (after the grace) unless the instance is expected to stop by then. */
  see(e: DockerEvent): Fault | undefined {
    const key = e.Actor?.Attributes?.["s2s-matrix.instance"];
    const action = e.Action ?? e.status;
    if (action === "oom" && key) this.oom.add(key);
    const id = e.Actor?.ID ?? "";
    if (action === "destroy" && this.dead.has(id)) return undefined;
    if (action === "die") this.dead.add(id);
    const f = faultOf(e, key ? this.oom.has(key) : false);
    if (!f || f.kind !== "died" || this.expected.has(f.instance) || this.reported.has(f.instance)) return undefined;
    this.reported.add(f.instance);
    return f;
  }

  isExpected(instance: string): boolean {
    return this.expected.has(instance);
  }

  expectStop(instance: string): void {
    this.expected.add(instance);
  }

  expectRunning(instance: string): void {
    this.expected.delete(instance);
    this.reported.delete(instance);
    this.oom.delete(instance);
  }
}

/**
 * After the events stream broke: pings the engine until it answers or `reconnectMs`
 * pass. `resubscribe`: it answers and the run's containers are still there (a dropped
 * connection); else the engine fault (restarted: it answers but they are gone).
 * Undefined when the watch was closed meanwhile.
 */
export async function judgeLoss(
  d: Pick<Dockerode, "ping">,
  opts: { reconnectMs: number; runHasContainers?: () => Promise<boolean>; closed: () => boolean },
): Promise<Fault | "resubscribe" | undefined> {
  const at = new Date();
  const until = Date.now() + opts.reconnectMs;
  while (!opts.closed() && Date.now() < until) {
    if (await d.ping().then(() => true, () => false)) {
      const has = opts.runHasContainers ? await opts.runHasContainers().catch(() => false) : false;
      if (has) return "resubscribe";
      return opts.closed() ? undefined : { kind: "engine", restarted: true, at };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return opts.closed() ? undefined : { kind: "engine", restarted: false, at };
}

type EventStream = NodeJS.ReadableStream & { destroy?: () => void };

/**
 * Subscribes to the run's container events; calls `onFault` once per fault. The
 * stream ending (or erroring) is the engine going away: judgeLoss then says whether
 * to watch on (a new stream) or which engine fault it is.
 */
export async function watchRun(d: Pick<Dockerode, "getEvents" | "ping">, runId: string, onFault: (f: Fault) => void, opts: WatchOptions = {}): Promise<RunWatch> {
  const graceMs = opts.graceMs ?? 1_000;
  const reconnectMs = opts.reconnectMs ?? 8_000;
  const deaths = new DeathFilter();
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;
  let engineLost = false;
  let judging: Promise<void> | undefined;
  let stream: EventStream;

  const subscribe = async (): Promise<EventStream> => {
    const s = (await d.getEvents({ filters: { type: ["container"], label: [`${LABEL_RUN}=${runId}`] } })) as EventStream;
    const lines = lineReader();
    s.on("data", (b: Buffer) => {
      for (const line of lines(b.toString("utf8"))) {
        const e = parseEvent(line);
        if (e) onEvent(e);
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
    const f = deaths.see(e);
    if (f?.kind !== "died") return;
    // An engine going down kills every container before its stream ends: wait a moment to tell the two apart.
    const t = setTimeout(() => {
      pending.delete(t);
      if (!closed && !engineLost && !deaths.isExpected(f.instance)) onFault(f);
    }, graceMs);
    pending.add(t);
  };

  const lose = async () => {
    if (closed || engineLost) return;
    engineLost = true;
    const verdict = await judgeLoss(d, { reconnectMs, runHasContainers: opts.runHasContainers, closed: () => closed });
    if (verdict !== "resubscribe") return void (verdict && onFault(verdict));
    engineLost = false;
    const old = stream;
    stream = await subscribe().catch(() => stream);
    if (stream !== old) old.destroy?.();
  };

  stream = await subscribe();
  return {
    expectStop: (instance) => deaths.expectStop(instance),
    expectRunning: (instance) => deaths.expectRunning(instance),
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
