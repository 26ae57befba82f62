// Live progress while cells run: one rewritten line on a terminal, one line per cell in CI logs.
import type { CellResult } from "../../core/types.ts";
import { actualText, expectationMarker, ICON } from "./cells.ts";
import { formatDuration, oneLine, truncate } from "./text.ts";

export interface ProgressOptions {
  total: number;
  tty: boolean;
  write: (chunk: string) => void;
  /** Terminal width; the TTY line is cut to fit, since a wrapped line cannot be rewritten with \r. */
  columns?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** TTY refresh period for the elapsed time; 0 disables the timer. */
  tickMs?: number;
}

export interface Progress {
  start(cellId: string): void;
  done(cell: CellResult): void;
  finish(): void;
}

const CLEAR_LINE = "\r\x1b[2K";

/** The CI line: `[12/100] ✅ <id> federates (dialback) 0.8s` (words: actualText), plus `❗expected ...` when unexpected. */
export function cellProgressLine(done: number, total: number, c: CellResult): string {
  const marker = expectationMarker(c);
  return `[${done}/${total}] ${ICON[c.outcome]} ${oneLine(c.spec.id)} ${actualText(c)} ${formatDuration(c.durationMs)}${marker ? ` ❗${marker}` : ""}`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const began = now();
  const running: string[] = [];
  let done = 0;
  let unexpected = 0;
  let oneWay = 0;
  let finished = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  // One-way pairs look like working ones in a per-cell glance: the running count keeps them in view.
  const oneWayCount = () => (oneWay ? ` ${ICON["one-way"]}${oneWay} one-way` : "");
  const render = () => {
    if (finished) return;
    const current = running.length ? ` ${running[running.length - 1]}${running.length > 1 ? ` (+${running.length - 1} running)` : ""}` : "";
    const bad = unexpected ? ` ❗${unexpected} unexpected` : "";
    const line = `[${done}/${opts.total}] ${formatDuration(now() - began)}${oneWayCount()}${bad}${current}`;
    opts.write(CLEAR_LINE + truncate(line, Math.max(20, (opts.columns ?? 80) - 1)));
  };

  if (opts.tty && (opts.tickMs ?? 1000) > 0) {
    timer = setInterval(render, opts.tickMs ?? 1000);
    timer.unref?.(); // never keep the process alive for a progress line
  }

  return {
    start(cellId) {
      running.push(cellId);
      if (opts.tty) render();
    },
    done(cell) {
      const i = running.indexOf(cell.spec.id);
      if (i >= 0) running.splice(i, 1);
      done++;
      if (!cell.asExpected) unexpected++;
      if (cell.outcome === "one-way") oneWay++;
      if (opts.tty) render();
      else opts.write(`${cellProgressLine(done, opts.total, cell)}\n`);
    },
    finish() {
      if (finished) return;
      if (timer) clearInterval(timer);
      if (opts.tty) {
        const bad = unexpected ? `, ${unexpected} unexpected` : "";
        const ow = oneWay ? `, ${oneWay} one-way` : "";
        opts.write(`${CLEAR_LINE}[${done}/${opts.total}] cells done in ${formatDuration(now() - began)}${ow}${bad}\n`);
      }
      finished = true;
    },
  };
}
