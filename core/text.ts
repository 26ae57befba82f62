// Text as it leaves the harness: server log lines without terminal escapes, XML escaped once.
import { stripVTControlCharacters } from "node:util";

/** Without ANSI/VT escapes (ejabberd 26 and Openfire's stock layout colour their logs). Node's own parser of them. */
export const stripAnsi = (s: string): string => stripVTControlCharacters(s);

/** Control characters except tab, newline and CR. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** Text as a human should see it: no ANSI escapes, no stray control characters. */
export function cleanText(s: string): string {
  return stripAnsi(s).replace(CONTROL, "");
}

// XML 1.0 allows only these code points; the `u` flag makes lone surrogates match too.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes for text and attribute values alike; newlines survive in attributes as &#10;. */
export function escapeXml(s: string, attribute = false): string {
  const text = cleanText(s)
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  if (!attribute) return text;
  return text.replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
