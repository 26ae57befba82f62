// Findings in words: "receiver ejabberd ≤ 24.12 (the change lies between 24.12 and
// 26.07), certificates server-only, dialback off: fails: “unsupported certificate
// purpose” — 10 cells". Version boundaries name the versions run on both sides of them,
// never a version that was not run.
import type { Dialback, FindingVerdict, FindingWhen } from "../../../core/types.ts";
import type { VersionRange } from "./conditions.ts";

/** How the scenario's cells vary: a side-by-side value is said once when both sides always share it. */
export interface Shape {
  sameCertificates: boolean;
  sameDialback: boolean;
}

/**
 * `ejabberd ≤ 24.12`, `prosody 13.0.1–13.0.6`, `ejabberd 26.07`, and where a range
 * ends inside the versions run, the versions run on both sides of that boundary.
 */
export function rangeText(r: VersionRange): string {
  const { family, versions, lo, hi } = r;
  const last = versions.length - 1;
  const span =
    lo === 0 && hi === last
      ? family
      : lo === hi
        ? `${family} ${versions[lo]}`
        : lo === 0
          ? `${family} ≤ ${versions[hi]}`
          : hi === last
            ? `${family} ≥ ${versions[lo]}`
            : `${family} ${versions[lo]}–${versions[hi]}`;
  // One version between others is just that version: its neighbours say nothing more.
  if (lo === hi && lo > 0 && hi < last) return span;
  const bounds = [...(lo > 0 ? [[versions[lo - 1], versions[lo]]] : []), ...(hi < last ? [[versions[hi], versions[hi + 1]]] : [])];
  if (!bounds.length) return span;
  return `${span} (changes between ${bounds.map(([a, b]) => `${a} and ${b}`).join(" and between ")})`;
}

const dialbackPhrase = (d: Dialback, same: boolean, who: string): string => (same ? `dialback ${d}` : `${who} dialback ${d}`);

/** The cells a statement speaks of, in words; `ranges` gives the words of a server selector by version. */
export function whenText(when: FindingWhen, shape: Shape, ranges: Map<string, VersionRange>): string {
  const server = (sel?: string) => (sel === undefined ? undefined : ranges.has(sel) ? rangeText(ranges.get(sel)!) : sel);
  const [i, r] = [server(when.initiator), server(when.receiver)];
  const parts: string[] = [];
  if (i && r) parts.push(`${i} → ${r}`);
  else if (i) parts.push(`initiator ${i}`);
  else if (r) parts.push(`receiver ${r}`);
  if (shape.sameCertificates && (when.initiatorCertificate ?? when.receiverCertificate)) {
    parts.push(`certificates ${when.initiatorCertificate ?? when.receiverCertificate}`);
  } else {
    if (when.initiatorCertificate) parts.push(`initiator's certificate ${when.initiatorCertificate}`);
    if (when.receiverCertificate) parts.push(`receiver's certificate ${when.receiverCertificate}`);
  }
  if (when.dialback) parts.push(shape.sameDialback ? `dialback ${when.dialback}` : when.dialback === "on" ? "dialback on at both sides" : "dialback off at either side");
  if (when.initiatorDialback) parts.push(dialbackPhrase(when.initiatorDialback, shape.sameDialback, "initiator"));
  if (when.receiverDialback) parts.push(dialbackPhrase(when.receiverDialback, shape.sameDialback, "receiver"));
  return parts.length ? parts.join(", ") : "every pair";
}

/** `federates with SASL EXTERNAL`, `one-way (…)`, `fails: “unsupported certificate purpose”`. */
export function verdictText(v: FindingVerdict): string {
  const words = v.reason ? `“${v.reason}”` : undefined;
  switch (v.outcome) {
    case "federates":
      return v.auth === "external" ? "federates with SASL EXTERNAL" : v.auth === "dialback" ? "federates by dialback" : "federates";
    case "one-way":
      return `one-way: the message arrives, the replies are refused${words ? `: ${words}` : ""}${v.auth ? ` (message by ${v.auth === "external" ? "SASL EXTERNAL" : "dialback"})` : ""}`;
    case "fails":
      return words ? `fails: ${words}` : "fails (no server logged a verdict)";
  }
}

const cellsText = (n: number): string => `${n} ${n === 1 ? "cell" : "cells"}`;

export function statementText(when: FindingWhen, v: FindingVerdict, cells: number, shape: Shape, ranges: Map<string, VersionRange>): string {
  return `${whenText(when, shape, ranges)}: ${verdictText(v)} — ${cellsText(cells)}`;
}

export function defaultText(v: FindingVerdict, cells: number): string {
  return `Unless a statement below says otherwise: ${verdictText(v)} — ${cellsText(cells)}`;
}
