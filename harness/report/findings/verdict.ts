// What a cell did, as findings compare it: its outcome, how the initiator
// authenticated, and its reason class — a server's own verdict on a certificate or an
// authentication (the words it logged), never the transport's symptoms (a timeout, a
// closed connection), which vary with load and OpenSSL builds and are no finding.
import type { CellResult, FindingVerdict } from "../../../core/types.ts";

/** Words that name one cell, not a class of them: domains, addresses, long numbers. */
const CELL_SPECIFIC = /[\w.-]+\.example\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b\d{3,}\b|\b[0-9a-f]{8,}\b/gi;

/**
 * The last part of `reason` free of cell-specific words (a server's verdict follows the
 * names it is about: "… to/from x.example because its certificate is not trusted"),
 * still a substring of it, so that `reason:` rules match it.
 */
export function reasonClassOf(reason: string): string | undefined {
  const whole = reason.trim();
  CELL_SPECIFIC.lastIndex = 0;
  if (!CELL_SPECIFIC.test(whole)) return whole.length ? whole : undefined;
  const parts = reason.split(CELL_SPECIFIC).map((s) => s.replace(/^[\s:;,.()[\]'"-]+|[\s:;,([\]'"-]+$/g, ""));
  return parts.filter((p) => p.length >= 3).pop();
}

/** The deciding attempt's events in which a server judged the peer's certificate or authentication. */
const judgedEvents = (cell: CellResult) => (cell.attempts[cell.attempts.length - 1]?.probe?.events ?? []).filter((e) => e.judged && e.reason);

/**
 * The reason classes of a run: every verdict a server logged as its own judgement of a
 * certificate or an authentication (judged events), in its words. A cell's reason
 * class is the longest of them its reason carries: "certificate has expired" for
 * "Authentication failed: Peer responded with error: certificate has expired
 * (not-authorized)" too, the initiator's echo of the receiver's verdict.
 */
export function reasonClasses(cells: CellResult[]): string[] {
  const words = new Map<string, string>();
  for (const c of cells) {
    for (const e of judgedEvents(c)) {
      const w = reasonClassOf(e.reason!);
      if (w !== undefined && !words.has(w.toLowerCase())) words.set(w.toLowerCase(), w);
    }
  }
  return [...words.values()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

/** The reason class of a cell: the longest of `classes` its reason carries; undefined when no server's verdict is in it. */
export function reasonClass(cell: CellResult, classes: string[]): string | undefined {
  const reason = (cell.reason ?? "").toLowerCase();
  return reason ? classes.find((w) => reason.includes(w.toLowerCase())) : undefined;
}

/** The cell's verdict, or undefined for a cell without one (error, flaky). */
export function verdictOf(cell: CellResult, classes: string[]): FindingVerdict | undefined {
  if (cell.outcome === "error" || cell.outcome === "flaky") return undefined;
  const v: FindingVerdict = { outcome: cell.outcome };
  const auth = cell.auth.outbound;
  if (cell.outcome !== "fails" && (auth === "external" || auth === "dialback")) v.auth = auth;
  if (cell.outcome !== "federates") {
    const reason = reasonClass(cell, classes);
    if (reason !== undefined) v.reason = reason;
  }
  return v;
}

/** One key per distinct verdict (the reason compared as the judge does: case-insensitively). */
export const verdictKey = (v: FindingVerdict): string => JSON.stringify([v.outcome, v.auth ?? "", (v.reason ?? "").toLowerCase()]);
