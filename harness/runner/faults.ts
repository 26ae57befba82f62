// Where the faults the watch reports (runner/watch.ts) go: to the instance whose
// container died (its stage decides: restart once, or stop the run), or, for the
// engine, the name server and the relay, straight to the run's end.
import type Dockerode from "dockerode";
import { EnvironmentError } from "../../core/errors.ts";
import { LABEL_RUN } from "../docker/labels.ts";
import { faultError, faultText, watchRun, type Fault, type RunWatch, type WatchOptions } from "./watch.ts";

/** A server's container died under a wait: what rejects the waits on that container. */
export class ServerDied extends Error {
  constructor(readonly fault: Fault) {
    super(faultText(fault));
    this.name = "ServerDied";
  }
}

export class RunFaults {
  /** Rejects with the error that ends the run; every wait of the run races it. */
  readonly fatal: Promise<never>;
  private rejectFatal!: (e: Error) => void;
  private failure?: Error;
  private handlers = new Map<string, (f: Fault) => void>();
  private watch?: RunWatch;

  constructor() {
    this.fatal = new Promise<never>((_, reject) => (this.rejectFatal = reject));
    this.fatal.catch(() => {}); // observed by whoever races it
  }

  /** Starts watching the run's containers and the engine connection. */
  async start(d: Dockerode, runId: string, opts: WatchOptions = {}): Promise<void> {
    const runHasContainers = async () => (await d.listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`] } })).length > 0;
    try {
      this.watch = await watchRun(d, runId, (f) => this.handle(f), { runHasContainers, ...opts });
    } catch (e) {
      throw new EnvironmentError(`cannot watch the run's containers (Docker events: ${(e as Error).message.split("\n")[0]})`, "check that the Docker engine runs (docker info)");
    }
  }

  /** The error that ended the run, once there is one. */
  get failed(): Error | undefined {
    return this.failure;
  }

  fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.rejectFatal(e);
  }

  /** `p`, or the run's end if that comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.fatal]);
  }

  on(instance: string, handler: (f: Fault) => void): void {
    this.handlers.set(instance, handler);
  }

  off(instance: string): void {
    this.handlers.delete(instance);
  }

  /** The harness stops this container itself: not a fault. */
  expectStop(instance: string): void {
    this.watch?.expectStop(instance);
  }

  /** A restarted container is watched again. */
  expectRunning(instance: string): void {
    this.watch?.expectRunning(instance);
  }

  /** Resolves once every death or engine loss seen so far has been judged (a failed wait may be its symptom). */
  quiet(): Promise<void> {
    return this.watch?.quiet() ?? Promise.resolve();
  }

  handle(f: Fault): void {
    if (f.kind === "engine") return this.fail(faultError(f));
    const h = this.handlers.get(f.instance);
    if (h) return h(f);
    // The run's name server and the capture relay serve every cell: no run without them.
    if (f.instance === "dns" || f.instance.startsWith("relay")) this.fail(faultError(f, f.instance === "dns" ? "the run's name server: " : "the capture relay: "));
  }

  close(): void {
    this.watch?.close();
    this.handlers.clear();
  }
}
