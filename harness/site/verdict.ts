// What the site says about a group of cells, and the badge's verdict: each a word plus a
// mark every ordinary font has (DejaVu/Liberation), never an emoji alone.
import type { CellResult, Dialback, ProfileName } from "../../core/types.ts";
import { versionOf } from "./model.ts";

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

/** The cell `version` → `version` where both sides present `profile` with dialback `dialback` on both. */
export function selfCell(cells: CellResult[], version: string, profile: ProfileName, dialback: Dialback): CellResult | undefined {
  return cells.find((c) => {
    const { initiator: i, receiver: r } = c.spec;
    return versionOf(i) === version && versionOf(r) === version && i.certificate === profile && r.certificate === profile && i.dialback === dialback && r.dialback === dialback;
  });
}

/**
 * From the two self cells (version → version, both sides `profile`):
 * accepted — federates with dialback off on both sides (the certificates alone suffice);
 * dialback only — fails (or one-way) with dialback off, federates with dialback on;
 * refused — neither federates (at least one of them decided: fails or one-way);
 * not tested — no such cell, or only error/flaky ones.
 */
export function badgeVerdict(cells: CellResult[], version: string, profile: ProfileName): BadgeVerdict {
  const off = selfCell(cells, version, profile, "off");
  const on = selfCell(cells, version, profile, "on");
  if (off?.outcome === "federates") return "accepted";
  if (on?.outcome === "federates") return off ? "dialback only" : on.auth.outbound === "external" ? "accepted" : "dialback only";
  const decided = [off, on].some((c) => c && (c.outcome === "fails" || c.outcome === "one-way"));
  return decided ? "refused" : "not tested";
}

/** Profiles with at least one self cell for `version`: the badges it gets. */
export function badgeProfiles(cells: CellResult[], version: string, profiles: ProfileName[]): ProfileName[] {
  return profiles.filter((p) => selfCell(cells, version, p, "off") || selfCell(cells, version, p, "on"));
}
