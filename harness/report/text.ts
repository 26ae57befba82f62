// Escaping and small text helpers shared by the report writers (cleaning and XML: core/text.ts).
import { cleanText, escapeXml } from "../../core/text.ts";

export { cleanText, escapeXml };

export function escapeHtml(s: string): string {
  return cleanText(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Inline markdown text that is safe inside a GFM table cell. */
export function escapeMarkdown(s: string): string {
  return oneLine(cleanText(s))
    .replace(/[\\`*_[\]]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|");
}

/** A markdown code span around arbitrary text; `|` still needs escaping inside GFM tables. */
export function codeSpan(s: string): string {
  const text = oneLine(cleanText(s)).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** At most `max` characters, ending in "…" when cut. Counts code points so emoji are not split. */
export function truncate(s: string, max: number): string {
  const chars = [...oneLine(s)];
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** The one duration formatter (core/time.ts), kept importable from here for the renderers. */
export { formatDuration } from "../../core/time.ts";
