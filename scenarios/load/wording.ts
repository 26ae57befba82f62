// How a scenario problem is worded: values quoted short, JSON types in words, near misses suggested.
import { CATALOG, serverKey } from "../../harness/servers/catalog.ts";

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  boolean: "true or false",
  number: "a number",
  integer: "an integer",
  null: "nothing",
};

export function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(" or ");
}

/** A string as JSON, cut short when long: a message must stay one readable line. */
const quoteString = (v: string): string => (v.length > 80 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v));

export function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (isObject(v)) return "a mapping";
  if (typeof v === "string") return `string ${quoteString(v)}`;
  return `${typeof v} ${String(v)}`;
}

export const quote = (v: unknown): string => (typeof v === "string" ? quoteString(v) : String(v));

function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** `; did you mean "x"?` for a near miss, else "". */
export function suggest(found: unknown, allowed: readonly unknown[]): string {
  if (typeof found !== "string") return "";
  const norm = (s: string) => s.toLowerCase().replace(/[_\s]/g, "-");
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    if (typeof a !== "string") continue;
    const d = norm(found) === norm(a) ? 0 : distance(found.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(found.length / 4)) ? `; did you mean ${JSON.stringify(best)}?` : "";
}

export const catalogKeys = (): string[] => CATALOG.map(serverKey);
export const catalogFamilies = (): string[] => [...new Set(CATALOG.map((e) => e.family as string))];

