// An SVG badge, shields.io's flat shape: "Let's Encrypt 2026 | ✓ accepted". Text is
// escaped; widths are estimated per character (no font metrics on a build machine).
import { escapeXml } from "../report/text.ts";
import { BADGE_MARK, type BadgeVerdict } from "./verdict.ts";

const COLOUR: Record<BadgeVerdict, string> = { accepted: "#1a7f37", "dialback only": "#9a6700", refused: "#cf222e", "not tested": "#57606a" };

/** 6.5 px a character at 11 px DejaVu Sans / Verdana, plus padding. */
const width = (text: string): number => Math.round([...text].length * 6.5 + 12);

export function badgeSvg(label: string, verdict: BadgeVerdict): string {
  const value = `${BADGE_MARK[verdict]} ${verdict}`;
  const [lw, vw] = [width(label), width(value)];
  const all = `${label}: ${verdict}`;
  const t = (x: number, s: string) =>
    `<text x="${x}" y="14" fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">${escapeXml(s)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${lw + vw}" height="20" role="img" aria-label="${escapeXml(all, true)}">` +
    `<title>${escapeXml(all)}</title>` +
    `<rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${COLOUR[verdict]}"/>` +
    t(lw / 2, label) +
    t(lw + vw / 2, value) +
    `</svg>`
  );
}
