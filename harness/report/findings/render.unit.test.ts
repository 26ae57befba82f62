// Findings open matrix.md and matrix.html, with a server's words escaped like any log text.
import { describe, expect, it } from "vitest";
import type { RunResults } from "../../../core/types.ts";
import { expandCells, parseScenario } from "../../../scenarios/index.ts";
import { renderHtml } from "../html.ts";
import { renderMarkdown } from "../markdown.ts";
import { syntheticCell } from "./test-cells.ts";

const scenario = parseScenario("name: evil\nservers: [prosody@13.0.7, ejabberd@23.01]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n", "evil.yaml");
// ejabberd refuses with words that are markup; everything else federates.
const EVIL = "<img src=x onerror=alert(1)> | `tick` *star*";
const cells = expandCells(scenario).map((spec) =>
  syntheticCell(spec, spec.receiver.server === "ejabberd@23.01" ? { outcome: "fails", reason: EVIL } : { outcome: "federates", auth: "external" }),
);
const results = { schema: "s2s-matrix/results@1", harnessVersion: "0", runId: "r", scenarios: ["evil"], isolation: "vhost", startedAt: "2026-12-04T00:00:00Z", durationMs: 1, cells, summary: { total: 4, asExpected: 4, unexpected: 0, errors: 0, flaky: 0, oneWay: 0 } } as RunResults;

describe("findings in the reports", () => {
  // One certificate and one dialback setting: no statement needs to name them.
  it("matrix.md: right after the run's lines, before any table; the words escaped", () => {
    const md = renderMarkdown(results);
    const lines = md.split("\n");
    const at = lines.indexOf("## Findings");
    expect(at).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.startsWith("| "))).toBeGreaterThan(at);
    expect(md).toContain("0. Unless a statement below says otherwise: federates with SASL EXTERNAL — 2 cells");
    expect(md).toContain("1. receiver ejabberd: fails: “&lt;img src=x onerror=alert(1)&gt; \\| \\`tick\\` \\*star\\*” — 2 cells");
  });

  it("matrix.html: a section before the tables; the words escaped", () => {
    const html = renderHtml(results);
    const section = /<section id="findings">(.*?)<\/section>/s.exec(html)?.[1] ?? "";
    expect(html.indexOf('<section id="findings">')).toBeLessThan(html.indexOf('<table class="matrix'));
    expect(section).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(section).not.toContain("<img");
  });
});
