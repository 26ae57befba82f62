// Where a run's time goes: named spans (network, name server, CA, image checks,
// each server's boot, the cells, the teardown), measured from the run's start.
// Spans overlap (servers boot while cells run), so a table of them shows when
// each phase ran as well as how long: the per-shard fixed costs of shard.ts.

export interface Span {
  phase: string;
  /** Since the run's start. */
  startMs: number;
  ms: number;
}

export class Timings {
  readonly spans: Span[] = [];
  private readonly t0: number;

  constructor(private now: () => number = () => performance.now()) {
    this.t0 = now();
  }

  /** Starts a span; the returned function ends it. */
  start(phase: string): () => void {
    const start = this.now();
    return () => void this.spans.push({ phase, startMs: start - this.t0, ms: this.now() - start });
  }

  /** Times `work` as `phase`, whether it resolves or throws. */
  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const end = this.start(phase);
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Widens `phase` to cover now: for a phase made of many overlapping pieces (the cells). */
  cover(phase: string, sinceMs: number): void {
    const start = sinceMs - this.t0;
    const end = this.now() - this.t0;
    const s = this.spans.find((x) => x.phase === phase);
    if (!s) return void this.spans.push({ phase, startMs: start, ms: end - start });
    // A piece may have started before the span's first-ended one; each ends now, the latest end.
    s.startMs = Math.min(s.startMs, start);
    s.ms = end - s.startMs;
  }

  /** The clock `cover` takes its `sinceMs` from. */
  mark(): number {
    return this.now();
  }
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** A Markdown table of the spans in start order: phase, from, to, seconds. */
export function phaseTable(spans: readonly Span[]): string {
  const rows = [...spans].sort((a, b) => a.startMs - b.startMs || a.phase.localeCompare(b.phase));
  return [
    "| phase | from (s) | to (s) | seconds |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((s) => `| ${s.phase} | ${sec(s.startMs)} | ${sec(s.startMs + s.ms)} | ${sec(s.ms)} |`),
  ].join("\n");
}
