import { describe, expect, it } from "vitest";
import { diagnosisFields } from "./diagnosis.ts";
import { CELLS, E23, P12, P13, makeCell, sampleResults } from "./fixtures.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import type { RunResults } from "../../core/types.ts";

/** Tables under each heading, as rows of cells (split on unescaped pipes). */
function tables(md: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  let heading = "";
  for (const line of md.split("\n")) {
    if (line.startsWith("#")) heading = line.replace(/^#+ /, "");
    else if (line.startsWith("|")) {
      const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
      out.set(heading, [...(out.get(heading) ?? []), cells]);
    }
  }
  return out;
}

describe("renderMarkdown", () => {
  const md = renderMarkdown(sampleResults());
  const t = tables(md);

  it("starts with a heading and a summary line", () => {
    const [h1, , summary] = md.split("\n");
    expect(h1).toBe("# s2s-matrix: ❌ 3 of 9 cells unexpected");
    expect(summary).toBe("**9 cells · 1 one-way · 6 as expected · 3 unexpected · 2 errors · 1 flaky · 1m 23s**");
  });

  it("has one table per certificate and dialback combination, asymmetric ones with arrows", () => {
    expect([...t.keys()]).toEqual(["server-only, dialback off", "server-only, dialback on", "server-only→dual-eku, dialback on→off"]);
  });

  it("puts initiators in rows and receivers in columns, in order of first appearance", () => {
    const on = t.get("server-only, dialback on")!;
    expect(on[0]).toEqual(["initiator ↓ / receiver →", P12, E23, P13]);
    expect(on[1]).toEqual(["---", "---", "---", "---"]);
    expect(on.slice(2).map((r) => r[0])).toEqual([`**${P12}**`, `**${E23}**`, `**${P13}**`]);
    // Every row has as many cells as the header.
    for (const table of t.values()) for (const row of table) expect(row).toHaveLength(table[0].length);
  });

  it("writes each cell as icon and short text, with a marker where it differs from expectation", () => {
    const off = t.get("server-only, dialback off")!;
    expect(off[0]).toEqual(["initiator ↓ / receiver →", P12, E23, P13]);
    expect(off[2]).toEqual([`**${P12}**`, "—", "✅ federates (EXTERNAL)", "—"]);
    expect(off[3][1]).toBe("❌ fails: TLS alert \\| handshake failure: peer certificate lacks the s…");
    // One-way is its own mark with the reply path's reason, never ✅.
    expect(off[3][3]).toBe("↦ one-way: replies refused: unsupported certificate purpose");
    const on = t.get("server-only, dialback on")!;
    expect(on[2][3]).toBe("✅ federates (dialback)");
    expect(on[3][3]).toBe("⚠️ error: container ejabberd-23.01 exited with code 137 ❗expected federates");
    expect(on[4][1]).toBe("✅ federates (dialback) ❗expected fails");
    expect(on[4][2]).toBe("🔀 flaky ❗expected federates");
    const asym = t.get("server-only→dual-eku, dialback on→off")!;
    expect(asym[2][2]).toBe("❌ fails: dialback disabled on receiver &lt;b&gt;");
    // A tolerated error is as expected: no marker.
    expect(asym[3][1]).toBe("⚠️ error: timeout waiting for stream");
  });

  it("keeps the short reason within 60 characters", () => {
    const text = t.get("server-only, dialback off")![3][1].replace(/^❌ fails: /, "").replace(/\\\|/g, "|");
    expect([...text].length).toBeLessThanOrEqual(60);
  });

  it("has a legend below the tables and lists unexpected cells with expected vs actual", () => {
    const legend = md.indexOf("**Legend:**");
    expect(legend).toBeGreaterThan(md.lastIndexOf("| **"));
    const section = md.slice(md.indexOf("## Unexpected cells"));
    const items = section.split("\n").filter((l) => l.startsWith("- "));
    expect(items).toEqual([
      `- \`${CELLS.unexpected.spec.id}\`: expected fails, got federates (dialback) — expected fails, but the message was delivered (dialback)`,
      `- \`${CELLS.error.spec.id}\`: expected federates, got error (container ejabberd-23.01 exited with code 137) — the harness could not decide`,
      `- \`${CELLS.flaky.spec.id}\`: expected federates, got flaky (fails, federates) — attempts disagreed: fails, federates`,
    ]);
  });

  it("words an expectation of several outcomes as any of them, in the cell and in the list", () => {
    const cell = makeCell({ i: { server: E23, certificate: "wrong-name", dialback: "on" }, r: { server: P13, certificate: "dual-eku", dialback: "on" }, outcome: "one-way", expected: { outcome: "federates", anyOf: ["federates", "fails"] }, asExpected: false, mismatch: "expected federates or fails, got one-way" });
    const text = renderMarkdown(sampleResults([cell]));
    expect(text).toContain("❗expected federates or fails");
    expect(text).toContain(`- \`${cell.spec.id}\`: expected federates or fails, got one-way`);
  });

  it("says so when everything is as expected", () => {
    const ok = renderMarkdown(sampleResults([CELLS.external, CELLS.dialback]));
    expect(ok.split("\n")[0]).toBe("# s2s-matrix: ✅ all 2 cells as expected");
    expect(ok).toContain("## Unexpected cells\n\nNone: every cell met its expectation.");
  });

  it("adds a scenario level when a run has several scenarios", () => {
    const other = { ...CELLS.external, spec: { ...CELLS.external.spec, scenario: "eku" } };
    const r = { ...sampleResults([CELLS.external, other]), scenarios: ["smoke", "eku"] };
    const headings = renderMarkdown(r).split("\n").filter((l) => /^##+ /.test(l));
    expect(headings).toEqual([
      "## Findings",
      "### smoke",
      "### eku",
      "## Scenario: smoke",
      "### server-only, dialback off",
      "## Scenario: eku",
      "### server-only, dialback off",
      "## Unexpected cells",
    ]);
  });

  it("escapes pipes and newlines in reasons so a table row stays one row", () => {
    const evil = { ...CELLS.failsLong, reason: "a|b\nc | d" };
    const lines = renderMarkdown(sampleResults([evil])).split("\n").filter((l) => l.startsWith(`| **${E23}`));
    expect(lines).toEqual([`| **${E23}** | ❌ fails: a\\|b c \\| d |`]);
  });

  it("escapes the isolation mode (from a results.json merge read) like every other header field", () => {
    const r = { ...sampleResults(), isolation: "vhost\n# forged heading <img src=x onerror=alert(1)>" } as unknown as RunResults;
    const md = renderMarkdown(r);
    expect(md.split("\n").filter((l) => l.startsWith("# "))).toHaveLength(1);
    expect(md).toContain("isolation: vhost # forged heading &lt;img src=x onerror=alert(1)&gt; ·");
  });
});

describe("renderMarkdown with many certificate and dialback combinations", () => {
  // Eight profiles on the initiator's side, dialback off: more combinations than MANY_COMBINATIONS.
  const profiles = ["server-only", "dual-eku", "no-eku", "client-only", "expired", "wrong-name", "untrusted", "self-signed"] as const;
  const cells = profiles.map((p, i) => {
    const base = i === 3 ? CELLS.oneWay : i === 4 ? CELLS.unexpected : CELLS.external;
    const initiator = { ...base.spec.initiator, certificate: p, dialback: "off" as const };
    const receiver = { ...base.spec.receiver, certificate: "dual-eku" as const, dialback: "off" as const };
    return { ...base, spec: { ...base.spec, id: `${p} cell`, initiator, receiver } };
  });
  const md = renderMarkdown(sampleResults(cells));

  it("leads with an overview grid: certificate combination × dialback, outcome counts", () => {
    const t = tables(md).get("Overview: 8 certificate and dialback combinations")!;
    expect(t[0]).toEqual(["certificates (initiator→receiver)", "dialback off"]);
    expect(t.slice(2, 2 + profiles.length).map((r) => r[0])).toEqual(profiles.map((p) => `**${p === "dual-eku" ? p : `${p}→dual-eku`}**`));
    expect(t[2][1]).toBe("✅ federates 1");
    expect(t[5][1]).toBe("↦ one-way 1");
    expect(t[6][1]).toBe("✅ federates 1 · ❗ unexpected 1");
  });

  it("folds each combination's matrix under its counts, unfolded where a cell is unexpected", () => {
    const folds = md.split("\n").filter((l) => l.startsWith("<details"));
    expect(folds).toHaveLength(8);
    expect(folds[0]).toBe("<details><summary><b>server-only→dual-eku, dialback off</b>: ✅ federates 1</summary>");
    expect(folds[4]).toBe("<details open><summary><b>expired→dual-eku, dialback off</b>: ✅ federates 1 · ❗ unexpected 1</summary>");
    // No heading per combination: the overview is the one heading.
    expect(md.split("\n").filter((l) => /^##+ /.test(l))).toEqual(["## Findings", "## Overview: 8 certificate and dialback combinations", "## Unexpected cells"]);
  });
});

describe("named servers in the reports", () => {
  const ours = { server: "ours", runs: "ejabberd@24.12", certificate: "server-only" as const, dialback: "off" as const };
  const mine = { server: "mine", runs: "prosody", certificate: "server-only" as const, dialback: "off" as const };
  const p = { server: P12, certificate: "server-only" as const, dialback: "off" as const };
  const cells = [
    { ...makeCell({ i: p, r: ours, outcome: "fails", reason: "unsupported certificate purpose", expected: { outcome: "fails" } }), installed: { initiator: "0.12.3-1", receiver: "24.12-2~bpo12+1" } },
    { ...makeCell({ i: mine, r: p, outcome: "federates", auth: "external", expected: { outcome: "federates" } }), installed: { initiator: "13.0.7+mine1", receiver: "0.12.3-1" } },
  ];
  const results = sampleResults(cells);

  it("show the name with the version that ran; unnamed servers stay family@version; ids hold names", () => {
    const rows = tables(renderMarkdown(results)).get("server-only, dialback off")!;
    expect(rows[0]!.slice(1).sort()).toEqual(["ours (ejabberd 24.12)", "prosody@0.12.3"].sort());
    expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(["**mine (prosody 13.0.7+mine1)**", "**prosody@0.12.3**"]));
    expect(cells[0].spec.id).toBe("prosody@0.12.3 → ours [server-only, dialback off]");
  });

  it("cell details give the name, the version read from the server and the exact package", () => {
    const fields = new Map(diagnosisFields(cells[0]).map((f) => [f.label, f.value]));
    expect(fields.get("Receiver")).toBe("ours (ejabberd 24.12, installed 24.12-2~bpo12+1), certificate server-only, dialback off");
    expect(fields.get("Initiator")).toBe("prosody@0.12.3 (installed 0.12.3-1), certificate server-only, dialback off");
    expect(new Map(diagnosisFields(cells[1]).map((f) => [f.label, f.value])).get("Initiator")).toBe("mine (prosody 13.0.7+mine1), certificate server-only, dialback off");
    expect(renderHtml(results)).toContain("<th scope=\"col\">ours (ejabberd 24.12)</th>");
  });
});
