// A stage's instances across their restarts. Each planned instance has a slot; the
// slot's generation is its current boot. A death the watch reports kills the
// generation (the cells in flight on it end as `error`) and, the first time, boots
// the next one for the cells still waiting; a second death ends the run.
import type { StartedInstance } from "../instance.ts";
import type { PlannedCell, PlannedInstance, Stage } from "../plan.ts";
import { busiestFirst } from "../schedule.ts";
import { ServerDied, type RunFaults } from "./faults.ts";
import { faultError, faultText, type Fault } from "./watch.ts";

/** One boot of a planned instance; a restart makes the next. */
export interface Generation {
  n: number;
  /** The instance, up and ready; rejects when it dies first, or the run ends. */
  started: Promise<StartedInstance>;
  /** Rejects (ServerDied) when its container dies. */
  died: Promise<never>;
  kill: (e: ServerDied) => void;
  instance?: StartedInstance;
  ready: boolean;
  dead: boolean;
  /** Why the instance was restarted (n > 1). */
  restartedAfter?: string;
}

/** A planned instance across its restarts, and the cells that still need it. */
interface Slot {
  pi: PlannedInstance;
  gen: Generation;
  deaths: number;
  /** Cells not yet done. */
  left: number;
  inFlight: number;
}

export interface SlotHooks {
  /** Boots the instance (throws when it cannot start). */
  boot: (pi: PlannedInstance) => Promise<StartedInstance>;
  /** Stops an instance the stage is done with. */
  stop: (inst: StartedInstance) => Promise<void>;
  /** Before a restart: what is left of the dead generation goes, so that the next can take its name. */
  clear: (pi: PlannedInstance, dead?: StartedInstance) => Promise<void>;
  log: (s: string) => void;
}

/** A death while starting that the server's own start error explains better (its log lines, the config hint). */
const exitedByItself = (g: Generation, f: Fault) =>
  !g.ready && f.kind === "died" && !f.oom && f.exitCode !== undefined && f.exitCode !== 137 && f.exitCode !== 143;

export class Slots {
  private slots = new Map<string, Slot>();
  private closing = false;

  constructor(
    stage: Stage,
    private faults: RunFaults,
    private hooks: SlotHooks,
  ) {
    for (const pi of busiestFirst(stage.instances, stage.cells)) {
      this.slots.set(pi.key, { pi, gen: this.generation(pi, 1), deaths: 0, left: 0, inFlight: 0 });
      faults.on(pi.key, (f) => this.onDeath(this.slots.get(pi.key)!, f));
    }
    for (const c of stage.cells) for (const k of [c.initiator.instance, c.receiver.instance]) this.slots.get(k)!.left++;
  }

  private generation(pi: PlannedInstance, n: number, before?: () => Promise<void>, restartedAfter?: string): Generation {
    const { faults } = this;
    let kill!: (e: ServerDied) => void;
    const died = new Promise<never>((_, reject) => (kill = reject));
    died.catch(() => {});
    const g: Generation = { n, died, kill, ready: false, dead: false, restartedAfter, started: undefined as unknown as Promise<StartedInstance> };
    const raw = (async () => (await before?.(), this.hooks.boot(pi)))();
    // An instance that comes up after its generation died, or after the stage ended, is stopped at once.
    raw.then((inst) => ((g.instance = inst), (g.dead || this.closing) && void this.hooks.stop(inst)), () => {});
    // A failed boot may be the symptom of a fault still being judged (engine gone): the fault's words win.
    const judged = raw.catch(async (e) => {
      await faults.quiet();
      throw faults.failed ?? e;
    });
    g.started = faults.race(Promise.race([judged, died])).then((inst) => ((g.ready = true), inst));
    g.started.catch(() => {}); // observed by the cells that wait for it, and by the teardown
    return g;
  }

  private onDeath(slot: Slot, f: Fault): void {
    const g = slot.gen;
    if (g.dead || this.closing || exitedByItself(g, f)) return;
    g.dead = true;
    slot.deaths++;
    // A second death ends the run: first, so that the cells in flight count as not run rather than as errors.
    if (slot.deaths >= 2) this.faults.fail(faultError(f, "", ", a second time (it had been restarted once): the run stops"));
    g.kill(new ServerDied(f));
    if (slot.deaths >= 2) return;
    const waiting = slot.left - slot.inFlight;
    if (waiting <= 0) return;
    const why = faultText(f);
    this.hooks.log(`${why}; restarting it once for the ${waiting} cell(s) still waiting on it`);
    const dead = g.instance;
    slot.gen = this.generation(slot.pi, g.n + 1, () => this.hooks.clear(slot.pi, dead), why);
  }

  /** The instance's current generation once up; follows a restart. */
  private async ready(key: string): Promise<Generation> {
    for (;;) {
      const slot = this.slots.get(key)!;
      const g = slot.gen;
      try {
        await g.started;
        return g;
      } catch (e) {
        if (slot.gen !== g && !this.faults.failed) continue;
        throw this.faults.failed ?? e;
      }
    }
  }

  /** Both servers of a cell, up (after a restart, the new generation). */
  both(cell: PlannedCell): Promise<[Generation, Generation]> {
    return Promise.all([this.ready(cell.initiator.instance), this.ready(cell.receiver.instance)]);
  }

  private sides(cell: PlannedCell): Slot[] {
    return [this.slots.get(cell.initiator.instance)!, this.slots.get(cell.receiver.instance)!];
  }

  /** A cell runs on its servers: their death now interrupts it rather than waiting for a restart. */
  begin(cell: PlannedCell): void {
    for (const s of new Set(this.sides(cell))) s.inFlight++;
  }

  /** A cell is done; returns the instances no cell needs any more (to be stopped at once). */
  end(cell: PlannedCell): StartedInstance[] {
    const sides = this.sides(cell);
    for (const s of new Set(sides)) s.inFlight--;
    return sides.flatMap((s) => (--s.left === 0 && s.gen.instance ? [s.gen.instance] : []));
  }

  /** The stage ends: deaths are no longer its business, and an instance that comes up now is stopped. */
  close(): void {
    this.closing = true;
    for (const key of this.slots.keys()) this.faults.off(key);
  }

  /** Every generation's boot, settled: the instances that did come up (so that nothing started is left behind). */
  async settled(): Promise<StartedInstance[]> {
    const all = await Promise.allSettled([...this.slots.values()].map((s) => s.gen.started));
    return all.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  }
}
