// The shortest ordered list of rules that reproduces every item's label: a decision
// list over conjunctions of conditions, one per dimension (a server selector, a
// certificate, a dialback setting), read like a scenario's `expect:` block: a default,
// then rules in order, the last matching rule deciding. Pure and generic: items,
// conditions and labels are numbers and bitsets here; derive.ts gives them meaning.
//
// How: rules are appended greedily in last-match order (the conjunction and label that
// set the most wrong items right, less a penalty for right items they set wrong, which
// a later rule then fixes); then rules that change nothing are dropped, two rules of one
// label merged into one where a place in the list keeps every label, and each rule's
// conditions widened as far as the list still reproduces every label. Several defaults
// and penalties are tried; the shortest list wins. Greedy peeling in first-match order
// (the largest pure set of remaining items first) is the fallback.

/** A set of items, one bit each. */
export type Bits = Uint32Array;

export const emptyBits = (n: number): Bits => new Uint32Array((n + 31) >>> 5);

export function bitsOf(n: number, has: (i: number) => boolean): Bits {
  const b = emptyBits(n);
  for (let i = 0; i < n; i++) if (has(i)) b[i >>> 5] |= 1 << (i & 31);
  return b;
}

export const hasBit = (b: Bits, i: number): boolean => (b[i >>> 5] & (1 << (i & 31))) !== 0;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function countBits(b: Bits): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) n += popcount(b[w]);
  return n;
}

function and(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & b[w];
  return out;
}

/** One condition of a dimension: the items it selects. Condition 0 of every dimension selects all items. */
export interface Condition {
  bits: Bits;
}

export interface Problem {
  n: number;
  /** Per dimension, its conditions; [0] must select every item ("any"). */
  dims: Condition[][];
  /** Per item, its label (0 … labels-1), or -1: no label to reproduce (any rule may take it). */
  labels: Int32Array;
  labelCount: number;
}

/** A rule: one condition index per dimension (0: any), and the label it gives. */
export interface Rule {
  conds: number[];
  label: number;
}

export interface DecisionList {
  default: number;
  /** Last matching rule decides. */
  rules: Rule[];
  /** Items no list can reproduce: another item with the same conditions has another label. */
  unexplained: number[];
}

/** The items every condition of `conds` selects. */
export function ruleBits(p: Problem, conds: number[]): Bits {
  let b = p.dims[0][conds[0]].bits;
  for (let d = 1; d < conds.length; d++) if (conds[d] !== 0) b = and(b, p.dims[d][conds[d]].bits);
  return b;
}

/** Each item's label under `list` (last matching rule, else the default). */
export function predict(p: Problem, list: Pick<DecisionList, "default" | "rules">): Int32Array {
  const out = new Int32Array(p.n).fill(list.default);
  for (const r of list.rules) {
    const b = ruleBits(p, r.conds);
    for (let i = 0; i < p.n; i++) if (hasBit(b, i)) out[i] = r.label;
  }
  return out;
}

/** How many labelled items `list` gets wrong (items in `skip` left out): bitsets, from the last rule back. */
function errors(p: Problem, list: Pick<DecisionList, "default" | "rules">, skip: Set<number>): number {
  const ctx = contextOf(p, skip);
  const open = Uint32Array.from(ctx.labelled);
  let wrong = 0;
  for (let k = list.rules.length - 1; k >= 0; k--) {
    const r = list.rules[k];
    const b = cachedRuleBits(p, r.conds);
    const lb = ctx.labelBits[r.label];
    for (let w = 0; w < open.length; w++) {
      const dec = b[w] & open[w];
      if (dec === 0) continue;
      wrong += popcount(dec & ~lb[w]);
      open[w] &= ~dec;
    }
  }
  const lb = ctx.labelBits[list.default];
  for (let w = 0; w < open.length; w++) wrong += popcount(open[w] & ~lb[w]);
  return wrong;
}

interface Context {
  labelled: Bits;
  labelBits: Bits[];
  rules: Map<string, Bits>;
}

const contexts = new WeakMap<Problem, Map<Set<number>, Context>>();

function contextOf(p: Problem, skip: Set<number>): Context {
  let bySkip = contexts.get(p);
  if (!bySkip) contexts.set(p, (bySkip = new Map()));
  let ctx = bySkip.get(skip);
  if (!ctx) {
    ctx = {
      labelled: bitsOf(p.n, (i) => p.labels[i] >= 0 && !skip.has(i)),
      labelBits: Array.from({ length: p.labelCount }, (_, l) => bitsOf(p.n, (i) => p.labels[i] === l)),
      rules: new Map(),
    };
    bySkip.set(skip, ctx);
  }
  return ctx;
}

const ruleCache = new WeakMap<Problem, Map<string, Bits>>();

function cachedRuleBits(p: Problem, conds: number[]): Bits {
  let m = ruleCache.get(p);
  if (!m) ruleCache.set(p, (m = new Map()));
  const key = conds.join(",");
  let b = m.get(key);
  if (!b) m.set(key, (b = ruleBits(p, conds)));
  return b;
}

const weight = (conds: readonly number[]): number => conds.filter((c) => c !== 0).length;

/**
 * Depth-first over the conjunctions (one condition per dimension, 0: any) narrowing
 * `all`: `step` sees each with the items it selects, and returns whether to go deeper.
 */
function eachConjunction(p: Problem, all: Bits, step: (conds: readonly number[], cov: Bits) => boolean): void {
  const conds = new Array<number>(p.dims.length).fill(0);
  const visit = (d: number, cov: Bits): void => {
    if (!step(conds, cov) || d === p.dims.length) return;
    p.dims[d].forEach((c, k) => {
      conds[d] = k;
      visit(d + 1, k === 0 ? cov : and(cov, c.bits));
    });
    conds[d] = 0;
  };
  visit(0, all);
}

/**
 * The rule (label ≠ dflt) selecting the most items of `remaining`, all with its label;
 * fewer conditions break ties. Depth-first over the dimensions, cut where a rule
 * cannot beat the best (a narrower rule selects no more) or is already pure.
 */
function bestPureRule(p: Problem, remaining: Bits, labelBits: Bits[], dflt: number): { rule: Rule; count: number } | undefined {
  let best: { rule: Rule; count: number; weight: number } | undefined;
  const pureLabel = (cov: Bits): number => {
    let label = -1;
    for (let w = 0; w < cov.length && label < 0; w++) {
      if (cov[w] === 0) continue;
      const i = (w << 5) + (31 - Math.clz32(cov[w] & -cov[w]));
      label = p.labels[i];
    }
    if (label < 0) return -1;
    const lb = labelBits[label];
    for (let w = 0; w < cov.length; w++) if ((cov[w] & ~lb[w]) !== 0) return -1;
    return label;
  };
  eachConjunction(p, remaining, (conds, cov) => {
    const count = countBits(cov);
    if (count === 0) return false;
    const wt = weight(conds);
    if (best && (count < best.count || (count === best.count && wt >= best.weight))) return false;
    const label = pureLabel(cov);
    if (label < 0) return true;
    if (label !== dflt) best = { rule: { conds: [...conds], label }, count, weight: wt };
    return false;
  });
  return best && { rule: best.rule, count: best.count };
}

/** Items whose conditions (the narrowest in every dimension) match another item with another label. */
function conflicts(p: Problem): Set<number> {
  const keyOf = (i: number): string => p.dims.map((dim) => dim.map((c, k) => (hasBit(c.bits, i) ? k : "")).join(",")).join("|");
  const groups = new Map<string, number[]>();
  for (let i = 0; i < p.n; i++) {
    if (p.labels[i] < 0) continue;
    const k = keyOf(i);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  const out = new Set<number>();
  for (const items of groups.values()) {
    const counts = new Map<number, number>();
    for (const i of items) counts.set(p.labels[i], (counts.get(p.labels[i]) ?? 0) + 1);
    if (counts.size < 2) continue;
    // The group's most common label stays; the others cannot be told apart from it.
    const keep = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    for (const i of items) if (p.labels[i] !== keep) out.add(i);
  }
  return out;
}

/** Greedy peeling in first-match order, with `dflt` as the default; returned last-match-wins. */
function peel(p: Problem, dflt: number, skip: Set<number>): Rule[] {
  const labelBits = Array.from({ length: p.labelCount }, (_, l) => bitsOf(p.n, (i) => p.labels[i] === l));
  const remaining = bitsOf(p.n, (i) => p.labels[i] >= 0 && !skip.has(i));
  const firstMatch: Rule[] = [];
  const left = (): boolean => {
    for (let i = 0; i < p.n; i++) if (hasBit(remaining, i) && p.labels[i] !== dflt) return true;
    return false;
  };
  while (left()) {
    const found = bestPureRule(p, remaining, labelBits, dflt);
    if (!found) break; // cannot happen once conflicts are skipped: every item is a pure rule of its own
    firstMatch.push(found.rule);
    const b = ruleBits(p, found.rule.conds);
    for (let w = 0; w < remaining.length; w++) remaining[w] &= ~b[w];
  }
  return firstMatch.reverse();
}

/**
 * Greedy growth in last-match order from `dflt`: each step appends the rule that sets
 * the most wrong items right minus the right ones it sets wrong (a later rule may fix those).
 */
function grow(p: Problem, dflt: number, skip: Set<number>, limit: number, penalty: number): Rule[] {
  const rules: Rule[] = [];
  const labelled = bitsOf(p.n, (i) => p.labels[i] >= 0 && !skip.has(i));
  while (rules.length < limit) {
    const pred = predict(p, { default: dflt, rules });
    const wrong = bitsOf(p.n, (i) => hasBit(labelled, i) && pred[i] !== p.labels[i]);
    if (countBits(wrong) === 0) break;
    let best: { rule: Rule; gain: number; weight: number } | undefined;
    for (let label = 0; label < p.labelCount; label++) {
      const want = bitsOf(p.n, (i) => hasBit(wrong, i) && p.labels[i] === label);
      if (countBits(want) === 0) continue;
      const keep = bitsOf(p.n, (i) => hasBit(labelled, i) && !hasBit(wrong, i) && p.labels[i] !== label);
      eachConjunction(p, bitsOf(p.n, () => true), (conds, cov) => {
        const up = countBits(and(cov, want));
        if (up === 0 || (best && up < best.gain)) return false;
        const gain = up - penalty * countBits(and(cov, keep));
        const wt = weight(conds);
        if (gain > 0 && (!best || gain > best.gain || (gain === best.gain && wt < best.weight))) best = { rule: { conds: [...conds], label }, gain, weight: wt };
        return true;
      });
    }
    if (!best) break;
    rules.push(best.rule);
  }
  return rules;
}

/** The narrowest condition of dimension `d` selecting every item of conditions a and b. */
function joinCondition(p: Problem, d: number, a: number, b: number): number {
  if (a === b) return a;
  const [ba, bb] = [p.dims[d][a].bits, p.dims[d][b].bits];
  let best = 0;
  let size = p.n + 1;
  p.dims[d].forEach((c, k) => {
    if (!c.bits.every((w, i) => (w & ba[i]) === ba[i] && (w & bb[i]) === bb[i])) return;
    const n = countBits(c.bits);
    if (n < size) [best, size] = [k, n];
  });
  return best;
}

/**
 * Replaces two rules of one label with one that selects what both do (per dimension
 * the narrowest condition holding both), at whichever place in the list keeps every
 * label; true when it did.
 */
function mergeOnce(p: Problem, rules: Rule[], ok: (rs: Rule[]) => boolean): boolean {
  for (let a = 0; a < rules.length; a++) {
    for (let b = a + 1; b < rules.length; b++) {
      if (rules[a].label !== rules[b].label) continue;
      const joined: Rule = { conds: rules[a].conds.map((c, d) => joinCondition(p, d, c, rules[b].conds[d])), label: rules[a].label };
      const rest = rules.filter((_, k) => k !== a && k !== b);
      for (let at = 0; at <= rest.length; at++) {
        const candidate = [...rest.slice(0, at), joined, ...rest.slice(at)];
        if (ok(candidate)) {
          rules.splice(0, rules.length, ...candidate);
          return true;
        }
      }
    }
  }
  return false;
}

/** Drops rules the list reproduces every label without, and widens each rule's conditions while it still does. */
function simplify(p: Problem, list: DecisionList, skip: Set<number>): DecisionList {
  const rules = list.rules.map((r) => ({ conds: [...r.conds], label: r.label }));
  const ok = (rs: Rule[]): boolean => errors(p, { default: list.default, rules: rs }, skip) === 0;
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = rules.length - 1; k >= 0; k--) {
      const without = rules.filter((_, j) => j !== k);
      if (ok(without)) {
        rules.splice(k, 1);
        changed = true;
      }
    }
    if (mergeOnce(p, rules, ok)) changed = true;
    for (const r of rules) {
      for (let d = 0; d < p.dims.length; d++) {
        if (r.conds[d] === 0) continue;
        const mine = p.dims[d][r.conds[d]].bits;
        const wider = p.dims[d]
          .map((c, k) => ({ k, n: countBits(c.bits), sup: c.bits.every((w, i) => (w & mine[i]) === mine[i]) }))
          .filter((c) => c.k !== r.conds[d] && c.sup)
          .sort((a, b) => b.n - a.n || a.k - b.k);
        for (const c of wider) {
          const was = r.conds[d];
          r.conds[d] = c.k;
          if (ok(rules)) {
            changed = true;
            break;
          }
          r.conds[d] = was;
        }
      }
    }
  }
  return { ...list, rules };
}

/**
 * The shortest decision list found for `p`: defaults tried from the most common label
 * down (at most `tries`; by default 3 for a small matrix, the most common alone for a large one).
 */
export function induce(p: Problem, tries = p.n <= 600 ? 3 : 1): DecisionList {
  const skip = conflicts(p);
  const counts = new Array<number>(p.labelCount).fill(0);
  for (let i = 0; i < p.n; i++) if (p.labels[i] >= 0 && !skip.has(i)) counts[p.labels[i]]++;
  const defaults = counts
    .map((c, l) => [c, l] as const)
    .filter(([c]) => c > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, tries)
    .map(([, l]) => l);
  let best: DecisionList | undefined;
  const consider = (dflt: number, rules: Rule[]): void => {
    if (errors(p, { default: dflt, rules }, skip) !== 0) return;
    const list = simplify(p, { default: dflt, rules, unexplained: [...skip] }, skip);
    if (!best || list.rules.length < best.rules.length) best = list;
  };
  for (const dflt of defaults.length ? defaults : [0]) {
    // Setting a right item wrong costs 1 or 2 (measured on the certificate-profiles run of
    // 2026-12-04: 55 rules with 1, 51 with 2, 51 with 3); a large matrix tries 2 alone.
    for (const penalty of p.n <= 600 ? [1, 2] : [2]) consider(dflt, grow(p, dflt, skip, p.n, penalty));
  }
  // Peeling in first-match order always ends with every label reproduced: the fallback.
  if (!best) consider(defaults[0] ?? 0, peel(p, defaults[0] ?? 0, skip));
  return best!;
}
