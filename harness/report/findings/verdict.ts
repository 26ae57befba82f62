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

/**
 * The reason class of a cell that did not federate: the deciding attempt's verdict event
 * (a server's judgement of a certificate first, then a refused authentication) whose
 * words the cell's reason carries. Undefined: no server logged a verdict.
 */
export function reasonClass(cell: CellResult): string | undefined {
  const reason = (cell.reason ?? "").toLowerCase();
  if (!reason) return undefined;
  const events = cell.attempts[cell.attempts.length - 1]?.probe?.events ?? [];
  const verdicts = events.filter((e) => e.reason && (e.judged || e.kind === "external-failed" || e.kind === "dialback-failed"));
  const carried = verdicts.filter((e) => reason.includes(e.reason!.toLowerCase()));
  const best = carried.find((e) => e.judged) ?? carried[0];
  return best ? reasonClassOf(best.reason!) : undefined;
}

/** The cell's verdict, or undefined for a cell without one (error, flaky). */
export function verdictOf(cell: CellResult): FindingVerdict | undefined {
  if (cell.outcome === "error" || cell.outcome === "flaky") return undefined;
  const v: FindingVerdict = { outcome: cell.outcome };
  const auth = cell.auth.outbound;
  if (cell.outcome !== "fails" && (auth === "external" || auth === "dialback")) v.auth = auth;
  if (cell.outcome !== "federates") {
    const reason = reasonClass(cell);
    if (reason !== undefined) v.reason = reason;
  }
  return v;
}

/** One key per distinct verdict (the reason compared as the judge does: case-insensitively). */
export const verdictKey = (v: FindingVerdict): string => JSON.stringify([v.outcome, v.auth ?? "", (v.reason ?? "").toLowerCase()]);
