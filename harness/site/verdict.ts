// What the site says about a group of cells, and the badge's verdict: each a word plus a
// mark every ordinary font has (DejaVu/Liberation), never an emoji alone.
import type { CellResult, ProfileName } from "../../core/types.ts";

/** A group of cells (one version, role, peer certificate and dialback). */
export type Verdict = "accepted" | "partly" | "refused" | "undecided" | "untested";

export const VERDICT: Record<Verdict, { mark: string; word: string }> = {
  accepted: { mark: "✓", word: "accepted" },
  partly: { mark: "◐", word: "partly" },
  refused: { mark: "✗", word: "refused" },
  undecided: { mark: "?", word: "undecided" },
  untested: { mark: "–", word: "not tested" },
};

/**
 * accepted: every cell federates; refused: every cell fails; undecided: no cell has a
 * verdict (error, flaky); untested: no cell; partly: anything else (some federate, or one-way).
 */
export function groupVerdict(cells: CellResult[]): Verdict {
  if (cells.length === 0) return "untested";
  const n = (o: CellResult["outcome"]) => cells.filter((c) => c.outcome === o).length;
  if (n("federates") === cells.length) return "accepted";
  if (n("fails") === cells.length) return "refused";
  if (n("federates") + n("one-way") + n("fails") === 0) return "undecided";
  return "partly";
}

/** The badge: how two servers of one version federate when both present a profile. */
export type BadgeVerdict = "accepted" | "dialback only" | "refused" | "not tested";

export const BADGE_MARK: Record<BadgeVerdict, string> = { accepted: "✓", "dialback only": "◐", refused: "✗", "not tested": "–" };

/** The badge's name for a profile: server-only is what Let's Encrypt issues from 2026. */
export const badgeLabel = (profile: ProfileName): string => (profile === "server-only" ? "Let's Encrypt 2026" : `certificate ${profile}`);

/** What the badge needs of a group of cells: how many federated, how many have a verdict. */
export interface Counted {
  federates: number;
  decided: number;
}

/**
 * The badge for a profile, from the version's cells as receiver where the initiator presented
 * the profile (server-only: what Let's Encrypt issues from 2026):
 * accepted — at least one such cell federated with the version's own dialback off (so by
 * the certificate: with dialback off nothing else can authenticate the peer);
 * dialback only — none did, but at least one federated with its dialback on;
 * refused — none federated, and at least one has a verdict (fails or one-way);
 * not tested — no such cell with a verdict.
 * "At least one" so that a peer that fails everywhere (its own fault) does not decide.
 */
export function badgeVerdict(off: Counted, on: Counted): BadgeVerdict {
  if (off.federates > 0) return "accepted";
  if (on.federates > 0) return "dialback only";
  return off.decided + on.decided > 0 ? "refused" : "not tested";
}
