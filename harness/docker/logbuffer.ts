// A server's log, streamed from its container's stdout and kept in memory, so
// that each cell can take the lines that concern its own domains.
import type { Readable } from "node:stream";

export class LogBuffer {
  readonly lines: string[] = [];
  private partial = "";

  attach(stream: Readable): void {
    // Docker resets the log connection when a container goes away: the end of a log, not a crash.
    stream.on("error", () => {});
    stream.on("data", (chunk: Buffer | string) => {
      const text = this.partial + chunk.toString();
      const parts = text.split("\n");
      this.partial = parts.pop() ?? "";
      for (const p of parts) if (p.trim()) this.lines.push(p.replace(/\r$/, ""));
    });
  }

  /** Position to slice from later. */
  mark(): number {
    return this.lines.length;
  }

  since(mark: number): string[] {
    return this.lines.slice(mark);
  }

  tail(n: number): string[] {
    return this.lines.slice(-n);
  }
}

/**
 * The s2s lines of a log that concern the given domains: those naming one of
 * them, plus every line of an s2s session (first column, e.g. Prosody's
 * `s2sin55d0…`) that did name one. The probe's own c2s sessions are left out.
 * Bounded to `max` lines, keeping the first and last halves.
 */
export function linesFor(lines: string[], domains: string[], max = 400): string[] {
  const mentions = (l: string) => domains.some((d) => l.includes(d));
  const session = (l: string) => l.split(/\s/, 1)[0];
  const sessions = new Set<string>();
  for (const l of lines) {
    if (mentions(l) && /^s2s(in|out)[0-9a-f]+$/.test(session(l))) sessions.add(session(l));
  }
  const picked = lines.filter((l) => !/^c2s[0-9a-f]+$/.test(session(l)) && (mentions(l) || sessions.has(session(l))));
  if (picked.length <= max) return picked;
  const half = Math.floor(max / 2);
  return [...picked.slice(0, half), `… ${picked.length - max} lines left out …`, ...picked.slice(-half)];
}
