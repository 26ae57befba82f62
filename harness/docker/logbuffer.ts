// A server's log, streamed from its container's stdout and kept in memory, so
// that each cell can take the lines that concern its own domains. Bounded: a
// chatty (or hostile) server cannot exhaust the harness's memory. Kept are the
// first lines (the start banner versionFromLog reads) and the latest ones up to a
// character budget (a cell reads only its own recent lines); older lines and the
// rest of an over-long line are dropped.
import type { Readable } from "node:stream";
import { cleanText } from "../../core/text.ts";

export const LOG_LIMITS = {
  /** Lines kept from the log's start, whatever follows. */
  headLines: 200,
  /** Characters of the latest lines kept after them (~8 MB of memory). */
  windowChars: 4 * 1024 * 1024,
  /** A longer line is cut here. */
  lineChars: 8 * 1024,
};

export class LogBuffer {
  private readonly head: string[] = [];
  private window: string[] = [];
  private windowChars = 0;
  /** Lines dropped from the window's front so far: marks stay absolute line numbers. */
  private dropped = 0;
  private partial = "";
  /** The line being received was cut: its rest is dropped up to its newline. */
  private cut = false;

  constructor(private readonly limits = LOG_LIMITS) {}

  attach(stream: Readable): void {
    // Docker resets the log connection when a container goes away: the end of a log, not a crash.
    stream.on("error", () => {});
    stream.on("data", (chunk: Buffer | string) => {
      const parts = (this.partial + chunk.toString()).split("\n");
      this.partial = parts.pop() ?? "";
      for (const p of parts) {
        if (this.cut) this.cut = false;
        else this.push(p);
      }
      if (this.partial.length > this.limits.lineChars) {
        if (!this.cut) this.push(this.partial);
        this.partial = "";
        this.cut = true;
      }
    });
  }

  /** Lines read some other way (a failed start's log, fetched once). */
  add(lines: string[]): void {
    for (const l of lines) this.push(l);
  }

  private push(raw: string): void {
    if (!raw.trim()) return;
    const max = this.limits.lineChars;
    const line = raw.length > max ? `${raw.slice(0, max)} … (line cut at ${max} characters)` : raw.replace(/\r$/, "");
    if (this.head.length < this.limits.headLines) return void this.head.push(line);
    this.window.push(line);
    this.windowChars += line.length;
    if (this.windowChars <= this.limits.windowChars) return;
    // Drop a quarter of the budget at once, so that trimming costs O(1) per line.
    let n = 0;
    while (this.windowChars > (this.limits.windowChars * 3) / 4) this.windowChars -= this.window[n++].length;
    this.window = this.window.slice(n);
    this.dropped += n;
  }

  /** The lines kept: the head, then the window. */
  get lines(): string[] {
    return [...this.head, ...this.window];
  }

  /** Position to slice from later. */
  mark(): number {
    return this.head.length + this.dropped + this.window.length;
  }

  /** The kept lines since `mark` (lines dropped meanwhile are gone). */
  since(mark: number): string[] {
    const fromHead = this.head.slice(mark);
    return [...fromHead, ...this.window.slice(Math.max(0, mark - this.head.length - this.dropped))];
  }

  /** The last `n` kept lines, for a person's terminal: without terminal escapes or control characters. */
  tail(n: number): string[] {
    const fromWindow = this.window.slice(-n);
    return [...this.head.slice(Math.max(0, this.head.length - (n - fromWindow.length))), ...fromWindow].map(cleanText);
  }
}

const sessionOf = (l: string) => l.split(/\s/, 1)[0];
const isS2sSession = (id: string) => /^s2s(in|out)[0-9a-f]+$/.test(id);
const isC2sSession = (id: string) => /^c2s[0-9a-f]+$/.test(id);

/** Keeps the first and last halves of more than `max` lines. */
function bounded(picked: string[], max: number): string[] {
  if (picked.length <= max) return picked;
  const half = Math.floor(max / 2);
  return [...picked.slice(0, half), `… ${picked.length - max} lines left out …`, ...picked.slice(-half)];
}

/** Per line: it concerns the domains (names one, or is of an s2s session that did). The probe's c2s lines never do. */
function concerns(lines: string[], domains: string[]): boolean[] {
  const mentions = (l: string) => domains.some((d) => l.includes(d));
  const sessions = new Set<string>();
  for (const l of lines) if (mentions(l) && isS2sSession(sessionOf(l))) sessions.add(sessionOf(l));
  return lines.map((l) => !isC2sSession(sessionOf(l)) && (mentions(l) || sessions.has(sessionOf(l))));
}

/**
 * The s2s lines of a log that concern the given domains: those naming one of
 * them, plus every line of an s2s session (first column, e.g. Prosody's
 * `s2sin55d0…`) that did name one. The probe's own c2s sessions are left out.
 * Bounded to `max` lines, keeping the first and last halves.
 */
export function linesFor(lines: string[], domains: string[], max = 400): string[] {
  const mine = concerns(lines, domains);
  return bounded(lines.filter((_, i) => mine[i]), max);
}

/** Marks a line that names no test domain: the server's, for any cell on it at the time. */
export const UNATTRIBUTED = "(names no domain) ";
const ERROR_WORD = /\b(error|fatal|crit(ical)?|alert|emerg(ency)?)\b/i;

/**
 * linesFor's lines, plus, in log order and marked UNATTRIBUTED, the error lines
 * that name no test domain at all (no `<name>.<tld>` of the domains' TLD, no s2s
 * session that named one): a server's process-wide failures, such as jabberd2's
 * TLS errors on an incoming connection, which name an address only. On a server
 * other cells share, such a line may be theirs; hidden, it explained nothing.
 * For the cell's evidence; auth events are read from linesFor's lines only.
 */
export function evidenceFor(lines: string[], domains: string[], max = 400): string[] {
  const mine = concerns(lines, domains);
  const tlds = [...new Set(domains.map((d) => d.slice(d.lastIndexOf(".") + 1)))].map((t) => t.replace(/[^\w-]/g, "\\$&"));
  const anyDomain = new RegExp(`[\\w-]+\\.(?:${tlds.join("|")})\\b`, "i");
  const named = new Set<string>();
  for (const l of lines) if (anyDomain.test(l) && isS2sSession(sessionOf(l))) named.add(sessionOf(l));
  const nobodys = (l: string) => !anyDomain.test(l) && !named.has(sessionOf(l)) && !isC2sSession(sessionOf(l)) && ERROR_WORD.test(l);
  return bounded(lines.flatMap((l, i) => (mine[i] ? [l] : nobodys(l) ? [UNATTRIBUTED + l] : [])), max);
}
