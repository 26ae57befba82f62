// A server's s2s log lines as AuthEvents: each adapter lists its patterns, the
// first that matches a line decides (patterns are ordered most specific first).
import type { AuthEvent } from "../../core/types.ts";

export interface LogPattern {
  re: RegExp;
  make: (m: RegExpMatchArray) => Omit<AuthEvent, "line">;
}

export function matchLogPatterns(patterns: LogPattern[], lines: string[]): AuthEvent[] {
  const events: AuthEvent[] = [];
  for (const line of lines) {
    for (const p of patterns) {
      const m = line.match(p.re);
      if (m) {
        events.push({ ...p.make(m), line });
        break;
      }
    }
  }
  return events;
}

/** The first capture of `re` in the lines: a version the server announced in its log. */
export function versionIn(lines: string[], re: RegExp): string | undefined {
  for (const line of lines) {
    const m = re.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}
