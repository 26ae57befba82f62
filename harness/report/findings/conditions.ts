// The conditions findings are made of, per dimension, each as the selector fields of
// a scenario `expect` rule (so that the judge's own ruleMatches decides which cells it
// selects): each side's server (any, its family, a range of the family's versions run,
// contiguous in version order), each side's certificate, the dialback settings.
import type { CellSide, CellSpec, FindingWhen } from "../../../core/types.ts";
import { compareVersions, selects } from "../../../scenarios/versions.ts";
import { ruleMatches, selectableSide } from "../../../scenarios/expect.ts";
import { bitsOf, type Bits } from "./induce.ts";

/** A run of versions of one family: `versions` are every version of it the cells ran, in order. */
export interface VersionRange {
  family: string;
  versions: string[];
  lo: number;
  hi: number;
}

export interface FindingCondition {
  when: FindingWhen;
  /** For a server selector by version: which versions it takes. */
  range?: { side: "initiator" | "receiver"; range: VersionRange };
  bits: Bits;
}

type Cells = Pick<CellSpec, "initiator" | "receiver">[];

/** Every family's versions the cells ran (either side), oldest first; a family without versions maps to []. */
export function familyVersions(cells: Cells): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const c of cells) {
    for (const s of [c.initiator, c.receiver]) {
      const { family, version } = selectableSide(s);
      if (!out.has(family)) out.set(family, new Set());
      if (version !== undefined) out.get(family)!.add(version);
    }
  }
  const sorted = new Map<string, string[]>();
  for (const [family, set] of out) {
    const versions = [...set];
    try {
      versions.sort((a, b) => compareVersions(a, b, family));
      sorted.set(family, versions);
    } catch {
      sorted.set(family, []); // a version no scheme reads: the family is selected whole only
    }
  }
  return sorted;
}

/** The selector taking exactly versions lo…hi of `versions` (checked with the judge's own `selects`). */
export function rangeSelector(r: VersionRange): string | undefined {
  const { family, versions, lo, hi } = r;
  const [a, b] = [versions[lo], versions[hi]];
  const candidates =
    lo === 0 && hi === versions.length - 1
      ? [family]
      : lo === hi
        ? [`${family}@${a}`, `${family}@=${a}`]
        : lo === 0
          ? [`${family}@<=${b}`]
          : hi === versions.length - 1
            ? [`${family}@>=${a}`]
            : [`${family}@>=${a},<=${b}`];
  return candidates.find((sel) => versions.every((v, i) => selects(sel, { name: "", family, version: v }) === (i >= lo && i <= hi)));
}

const DIALBACK: FindingWhen[] = [
  {},
  { dialback: "on" },
  { dialback: "off" },
  { initiatorDialback: "on" },
  { initiatorDialback: "off" },
  { receiverDialback: "on" },
  { receiverDialback: "off" },
  { initiatorDialback: "on", receiverDialback: "off" },
  { initiatorDialback: "off", receiverDialback: "on" },
  { initiatorDialback: "off", receiverDialback: "off" },
];

function serverConditions(side: "initiator" | "receiver", versions: Map<string, string[]>, names: string[]): Omit<FindingCondition, "bits">[] {
  const out: Omit<FindingCondition, "bits">[] = [{ when: {} }, ...names.map((n) => ({ when: { [side]: n } }))];
  for (const [family, list] of versions) {
    out.push({ when: { [side]: family } });
    for (let lo = 0; lo < list.length; lo++) {
      for (let hi = lo; hi < list.length; hi++) {
        const range = { family, versions: list, lo, hi };
        const sel = rangeSelector(range);
        if (sel !== undefined && sel !== family) out.push({ when: { [side]: sel }, range: { side, range } });
      }
    }
  }
  return out;
}

const profiles = (cells: Cells, side: "initiator" | "receiver"): CellSide["certificate"][] => [...new Set(cells.map((c) => c[side].certificate))];

/** Does `when` select `cell`? The judge's own matching (scenarios/expect.ts). */
export const selectsCell = (when: FindingWhen, cell: Cells[number]): boolean => ruleMatches({ index: 0, outcome: "federates", ...when }, cell);

/**
 * The dimensions: initiator server, receiver server, initiator certificate, receiver
 * certificate, dialback (`names`: a named server by its name before its family and
 * versions, as a comparison across its version bump needs). Condition 0 of each selects every cell; a condition selecting
 * nothing, or the same cells as one before it (in any dimension), is left out.
 */
export function dimensions(cells: Cells, opts: { names?: boolean } = {}): FindingCondition[][] {
  const versions = familyVersions(cells);
  const names = opts.names ? [...new Set(cells.flatMap((c) => [c.initiator, c.receiver]).filter((s) => s.runs !== undefined).map((s) => s.server))] : [];
  const raw: Omit<FindingCondition, "bits">[][] = [
    serverConditions("initiator", versions, names),
    serverConditions("receiver", versions, names),
    [{ when: {} }, ...profiles(cells, "initiator").map((p) => ({ when: { initiatorCertificate: p } }))],
    [{ when: {} }, ...profiles(cells, "receiver").map((p) => ({ when: { receiverCertificate: p } }))],
    DIALBACK.map((when) => ({ when })),
  ];
  const seen = new Set<string>();
  const all = bitsOf(cells.length, () => true).join();
  return raw.map((dim) =>
    dim.flatMap((c, k) => {
      const bits = bitsOf(cells.length, (i) => selectsCell(c.when, cells[i]));
      const key = bits.join();
      if (k === 0) return [{ ...c, bits }];
      if (key === all || seen.has(key) || !bits.some((w) => w !== 0)) return [];
      seen.add(key);
      return [{ ...c, bits }];
    }),
  );
}
