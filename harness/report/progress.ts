// Live progress while cells run: one rewritten line on a terminal, one line per cell in CI logs.
import type { CellResult } from "../types.ts";
import { expectationMarker, failReason, ICON } from "./cells.ts";
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

/** `federates (dialback)`, `fails: reason`, `error: text`, `flaky`. */
function outcomeWords(c: CellResult): string {
  switch (c.outcome) {
    case "federates":
      return `federates (${c.auth.outbound})`;
    case "fails":
      return `fails: ${truncate(failReason(c), 60)}`;
    case "error":
      return `error: ${truncate(c.error || "harness could not decide", 60)}`;
    case "flaky":
      return "flaky";
  }
}

/** The CI line: `[12/100] ✅ <id> federates (dialback) 0.8s`, plus `❗expected ...` when unexpected. */
export function cellProgressLine(done: number, total: number, c: CellResult): string {
  const marker = expectationMarker(c);
  return `[${done}/${total}] ${ICON[c.outcome]} ${oneLine(c.spec.id)} ${outcomeWords(c)} ${formatDuration(c.durationMs)}${marker ? ` ❗${marker}` : ""}`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const began = now();
  const running: string[] = [];
  let done = 0;
  let unexpected = 0;
  let finished = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const render = () => {
    if (finished) return;
    const current = running.length ? ` ${running[running.length - 1]}${running.length > 1 ? ` (+${running.length - 1} running)` : ""}` : "";
    const bad = unexpected ? ` ❗${unexpected} unexpected` : "";
    const line = `[${done}/${opts.total}] ${formatDuration(now() - began)}${bad}${current}`;
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
      if (opts.tty) render();
      else opts.write(`${cellProgressLine(done, opts.total, cell)}\n`);
    },
    finish() {
      if (finished) return;
      if (timer) clearInterval(timer);
      if (opts.tty) {
        const bad = unexpected ? `, ${unexpected} unexpected` : "";
        opts.write(`${CLEAR_LINE}[${done}/${opts.total}] cells done in ${formatDuration(now() - began)}${bad}\n`);
      }
      finished = true;
    },
  };
}
