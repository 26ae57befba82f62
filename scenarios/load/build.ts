// The validated data as a normalised Scenario: sides spelled out, rules with their lines.
import type { Document, LineCounter } from "yaml";
import type { Dialback, ProfileName } from "../../core/types.ts";
import type { CertificatePair, ExpectRule, Scenario, ScenarioServer, SidedValues } from "../model.ts";
import { normDialback } from "./checks.ts";
import { locate } from "./issues.ts";
import { isObject } from "./wording.ts";

function sided<T>(value: unknown, norm: (v: unknown) => T): SidedValues<T> {
  if (Array.isArray(value)) {
    const list = value.map(norm);
    return { initiator: list, receiver: [...list], symmetric: true };
  }
  const o = value as { initiator: unknown[]; receiver: unknown[] };
  return { initiator: o.initiator.map(norm), receiver: o.receiver.map(norm), symmetric: false };
}

/** Every form of `certificates` as its (initiator, receiver) combinations, in file order, each once. */
export function certificatePairs(value: unknown): CertificatePair[] {
  let pairs: CertificatePair[];
  if (Array.isArray(value)) {
    pairs = value.map((v) => (isObject(v) ? (v as unknown as CertificatePair) : { initiator: v as ProfileName, receiver: v as ProfileName }));
  } else if (isObject(value) && Array.isArray(value.vary)) {
    // One side at a time against the control: the initiator's profiles first, then the receiver's.
    const against = value.against as ProfileName;
    const vary = value.vary as ProfileName[];
    pairs = [...vary.map((p) => ({ initiator: p, receiver: against })), ...vary.map((p) => ({ initiator: against, receiver: p }))];
  } else {
    const o = value as { initiator: ProfileName[]; receiver: ProfileName[] };
    pairs = o.initiator.flatMap((initiator) => o.receiver.map((receiver) => ({ initiator, receiver })));
  }
  const seen = new Set<string>();
  return pairs
    .map(({ initiator, receiver }) => ({ initiator, receiver }))
    .filter((p) => {
      const k = `${p.initiator}\n${p.receiver}`;
      return !seen.has(k) && (seen.add(k), true);
    });
}

function buildRule(raw: Record<string, unknown>, index: number, line: number | undefined): ExpectRule {
  const outcomes = (Array.isArray(raw.outcome) ? raw.outcome : [raw.outcome]) as ExpectRule["outcome"][];
  const r: ExpectRule = { index, outcome: outcomes[0] };
  if (outcomes.length > 1) r.anyOf = outcomes;
  if (line !== undefined) r.line = line;
  if (typeof raw.initiator === "string") r.initiator = raw.initiator.trim();
  if (typeof raw.receiver === "string") r.receiver = raw.receiver.trim();
  const ic = raw.certificate ?? raw.initiator_certificate;
  if (ic !== undefined) r.initiatorCertificate = ic as ProfileName;
  if (raw.receiver_certificate !== undefined) r.receiverCertificate = raw.receiver_certificate as ProfileName;
  if (raw.dialback !== undefined) r.dialback = normDialback(raw.dialback);
  if (raw.initiator_dialback !== undefined) r.initiatorDialback = normDialback(raw.initiator_dialback);
  if (raw.receiver_dialback !== undefined) r.receiverDialback = normDialback(raw.receiver_dialback);
  if (raw.ping !== undefined) r.ping = raw.ping as ExpectRule["ping"];
  if (raw.auth !== undefined) r.auth = raw.auth as ExpectRule["auth"];
  if (raw.reason !== undefined) r.reason = raw.reason as string;
  return r;
}

export function build(file: string, data: Record<string, unknown>, servers: ScenarioServer[], doc: Document, lines: LineCounter): Scenario {
  servers.forEach((s, i) => (s.line = lines.linePos(locate(doc, ["servers", i]).offset).line));
  const expect = data.expect as { default: Scenario["expect"]["default"]; rules?: Record<string, unknown>[] };
  const scenario: Scenario = {
    file,
    name: data.name as string,
    servers,
    certificates: certificatePairs(data.certificates),
    dialback: sided(data.dialback, (v) => normDialback(v) as Dialback),
    pairs: (data.pairs as Scenario["pairs"] | undefined) ?? "all",
    tolerate: ((data.tolerate as "error"[] | undefined) ?? []).slice(),
    expect: {
      default: expect.default,
      rules: (expect.rules ?? []).map((r, i) => buildRule(r, i, lines.linePos(locate(doc, ["expect", "rules", i]).offset).line)),
    },
  };
  if (typeof data.description === "string") scenario.description = data.description;
  return scenario;
}
