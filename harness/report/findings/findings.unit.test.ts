// Findings on recorded real runs (fixtures/, trimmed by fixtures/trim.mjs) and on random
// matrices: the statements, written as an expect: block and read back through the real
// scenario loader and judge, must meet every decided cell.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { CellResult, FindingVerdict, RunResults, ScenarioFindings } from "../../../core/types.ts";
import { judge } from "../../../core/judge.ts";
import { expandCells, expectationFor, parseScenario } from "../../../scenarios/index.ts";
import { replaceExpectBlock } from "../../../scenarios/expect-block.ts";
import { deriveFindings } from "./derive.ts";
import { expectBlock } from "./expect-block.ts";
import { reasonClassOf } from "./verdict.ts";
import { rangeText } from "./words.ts";
import { resultsProblems } from "../validate.ts";
import { syntheticCell } from "./test-cells.ts";

const fixture = (name: string): RunResults => {
  const raw = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  return JSON.parse((name.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
};
const scenarioText = (name: string): string => readFileSync(new URL(`../../../scenarios/${name}`, import.meta.url), "utf8");

/** The cells of `cells` the block written from `f`, put into `text` and loaded as a scenario, does not expect. */
function unmetThroughScenario(text: string, file: string, f: ScenarioFindings, cells: CellResult[]): string[] {
  const scenario = parseScenario(replaceExpectBlock(text, expectBlock(f))!, file);
  return cells.filter((c) => !judge(expectationFor(scenario, c.spec), c).asExpected).map((c) => c.spec.id);
}

describe("findings of the recorded Let's Encrypt run (256 cells, 2026-12-04)", () => {
  const results = fixture("letsencrypt-2026.results.json");
  const [f] = deriveFindings(results);

  it("reproduce all 256 cells in at most 12 statements", () => {
    expect(f.cells).toBe(256);
    expect(f.statements.length).toBeLessThanOrEqual(12);
    expect(f.undecided).toEqual([]);
    expect(f.unexplained).toEqual([]);
    expect(unmetThroughScenario(scenarioText("letsencrypt-2026.yaml"), "letsencrypt-2026.yaml", f, results.cells)).toEqual([]);
    // As results.json carries them: valid against results.schema.json.
    expect(resultsProblems({ ...results, findings: [f] })).toEqual([]);
  });

  it("say which receivers refuse a server-only initiator, in ejabberd's words, and where the versions change", () => {
    expect(f.default).toMatchObject({ outcome: "federates", auth: "external" });
    const refused = f.statements.find((s) => s.outcome === "fails" && s.reason === "unsupported certificate purpose");
    expect(refused?.when).toEqual({ receiver: "ejabberd@<=24.12", initiatorCertificate: "server-only", dialback: "off" });
    // 14 cells: 7 initiators other than jabberd2 (whose own rule comes later) × 2 receivers.
    expect(refused?.cells).toBe(14);
    expect(refused?.text).toContain("receiver ejabberd ≤ 24.12 (changes between 24.12 and 26.07)");
    const oneWay = f.statements.find((s) => s.outcome === "one-way");
    expect(oneWay).toMatchObject({ when: { initiator: "ejabberd@<=24.12", initiatorCertificate: "server-only", dialback: "off" }, reason: "unsupported certificate purpose", cells: 10 });
  });
});

describe("findings of the recorded certificate-profiles run (1680 cells, 57 of them error, 2026-12-04)", () => {
  const results = fixture("certificate-profiles.results.json.gz");
  const [f] = deriveFindings(results);
  const text = scenarioText("certificate-profiles.yaml");
  const handWritten = parseScenario(text, "certificate-profiles.yaml").expect.rules.length;

  it("reproduce every decided cell with no more rules than the scenario's hand-written block", () => {
    expect(handWritten).toBe(54);
    expect(f.undecided).toHaveLength(57);
    expect(f.cells).toBe(1680 - 57);
    // The block holds the statements and, for a default with an auth, one rule without selectors.
    const block = parseScenario(replaceExpectBlock(text, expectBlock(f))!, "certificate-profiles.yaml");
    expect(block.expect.rules.length).toBeLessThanOrEqual(handWritten);
    const decided = results.cells.filter((c) => c.outcome !== "error" && c.outcome !== "flaky");
    expect(unmetThroughScenario(text, "certificate-profiles.yaml", f, decided)).toEqual([]);
  });

  it("say what Prosody and ejabberd refuse, in their words", () => {
    const says = (when: object, reason: string) => f.statements.some((s) => s.outcome === "fails" && s.reason === reason && JSON.stringify(s.when) === JSON.stringify(when));
    expect(says({ receiver: "prosody", initiatorCertificate: "client-only" }, "certificate is not trusted")).toBe(true);
    expect(says({ initiator: "ejabberd", receiverCertificate: "untrusted", dialback: "off" }, "unable to verify the first certificate")).toBe(true);
    expect(says({ receiver: "ejabberd@<=24.12", initiatorCertificate: "server-only", dialback: "off" }, "unsupported certificate purpose")).toBe(true);
  });
});

describe("reason class and version words", () => {
  it("keep a verdict's words and drop what names one cell", () => {
    expect(reasonClassOf("unsupported certificate purpose")).toBe("unsupported certificate purpose");
    expect(reasonClassOf("Forbidding insecure connection to/from c12-b.example because its certificate is not trusted")).toBe("because its certificate is not trusted");
    expect(reasonClassOf("Certificate host name mismatch for c3-a.example")).toBe("Certificate host name mismatch for");
    expect(reasonClassOf("c3-a.example")).toBeUndefined();
  });

  it("name the versions run on both sides of a boundary, never one not run", () => {
    const versions = ["23.01", "24.12", "26.07"];
    expect(rangeText({ family: "ejabberd", versions, lo: 0, hi: 1 })).toBe("ejabberd ≤ 24.12 (changes between 24.12 and 26.07)");
    expect(rangeText({ family: "ejabberd", versions, lo: 2, hi: 2 })).toBe("ejabberd 26.07 (changes between 24.12 and 26.07)");
    expect(rangeText({ family: "ejabberd", versions, lo: 1, hi: 1 })).toBe("ejabberd 24.12");
    expect(rangeText({ family: "prosody", versions: ["0.12.3", "13.0.1", "13.0.6", "13.0.7"], lo: 1, hi: 2 })).toBe(
      "prosody 13.0.1–13.0.6 (changes between 0.12.3 and 13.0.1 and between 13.0.6 and 13.0.7)",
    );
    expect(rangeText({ family: "ejabberd", versions, lo: 0, hi: 2 })).toBe("ejabberd");
  });
});

// ---- Random matrices ----

/** mulberry32: a small seeded PRNG, so a failing seed can be run again. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATALOG_VERSIONS = { prosody: ["0.12.3", "13.0.1", "13.0.7", "13.0.8"], ejabberd: ["23.01", "24.12", "25.07", "26.07"], jabberd2: ["2.7.0"] };
const PROFILES = ["server-only", "dual-eku", "no-eku", "client-only", "expired", "wrong-name", "untrusted", "self-signed"] as const;
// Words a server might log, some with what YAML would read otherwise (": ", "#", quotes).
const REASONS = ["unsupported certificate purpose", "certificate has expired", 'Peer said: "no" # not a comment', "self signed certificate", "it's: odd, [really]"];

function randomScenario(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const some = <T>(xs: readonly T[], max: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(xs)))];
  const servers = [...new Set(Object.entries(CATALOG_VERSIONS).flatMap(([family, vs]) => (rnd() < 0.7 ? some(vs, 3).map((v) => `${family}@${v}`) : [])))];
  if (servers.length < 2) servers.push("prosody@13.0.7", "ejabberd@23.01");
  const uniq = [...new Set(servers)];
  const certs = rnd() < 0.5 ? `[${some(PROFILES, 3).join(", ")}]` : `{initiator: [${some(PROFILES, 2).join(", ")}], receiver: [${some(PROFILES, 2).join(", ")}]}`;
  const dialback = rnd() < 0.5 ? "[on, off]" : pick(["{initiator: [on, off], receiver: [on, off]}", "[off]", "{initiator: [on], receiver: [on, off]}"]);
  return `name: random\nservers: [${uniq.join(", ")}]\ncertificates: ${certs}\ndialback: ${dialback}\npairs: ${pick(["all", "cross"])}\nexpect:\n  default: federates\n`;
}

function randomVerdict(rnd: () => number): FindingVerdict {
  const r = rnd();
  if (r < 0.4) return { outcome: "federates", auth: rnd() < 0.5 ? "external" : "dialback" };
  if (r < 0.55) return { outcome: "one-way", auth: "external", reason: REASONS[Math.floor(rnd() * REASONS.length)] };
  return rnd() < 0.3 ? { outcome: "fails" } : { outcome: "fails", reason: REASONS[Math.floor(rnd() * REASONS.length)] };
}

describe("findings of random matrices (seeded)", () => {
  for (let seed = 1; seed <= 24; seed++) {
    it(`seed ${seed}: the written block meets every cell`, () => {
      const rnd = prng(seed);
      const header = randomScenario(rnd);
      const specs = expandCells(parseScenario(header, "random.yaml")).slice(0, 300);
      // A hidden structure (a verdict per server and certificate), then noise: a share of cells, up to all, at random.
      const hidden = new Map<string, FindingVerdict>();
      const noise = rnd();
      const verdicts = specs.map((spec) => {
        const key = `${spec.receiver.server}|${spec.initiator.certificate}|${spec.initiator.dialback}`;
        if (!hidden.has(key)) hidden.set(key, randomVerdict(rnd));
        return rnd() < noise * 0.5 ? randomVerdict(rnd) : hidden.get(key)!;
      });
      const cells = specs.map((spec, i) => syntheticCell(spec, verdicts[i]));
      const [f] = deriveFindings({ scenarios: ["random"], cells });
      expect(f.unexplained).toEqual([]);
      expect(f.cells).toBe(cells.length);
      expect(unmetThroughScenario(header, "random.yaml", f, cells)).toEqual([]);
      // Not only met: the block expects exactly each cell's verdict (an expectation without the reason would be met too).
      const scenario = parseScenario(replaceExpectBlock(header, expectBlock(f))!, "random.yaml");
      const expected = specs.map((spec) => {
        const e = expectationFor(scenario, spec);
        return { outcome: e.outcome, auth: e.auth, reason: e.reason };
      });
      expect(expected).toEqual(verdicts.map((v) => ({ outcome: v.outcome, auth: v.auth, reason: v.reason })));
      // Each statement's count is what it decides: together with the default, every cell once.
      expect(f.default.cells + f.statements.reduce((n, s) => n + s.cells, 0)).toBe(cells.length);
    });
  }
});
