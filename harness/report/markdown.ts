// matrix.md: GitHub-flavoured markdown, written to suit $GITHUB_STEP_SUMMARY.
import type { CellResult, RunResults } from "../types.ts";
import { actualText, cellLine, expectedText, matrixTables, pairKey, scenarioOrder, type MatrixTable } from "./cells.ts";
import { codeSpan, escapeMarkdown, formatDuration } from "./text.ts";
import { configuredServers } from "./settings.ts";

export const ROW_HEADER = "initiator ↓ / receiver →";

export const LEGEND =
  "**Legend:** ✅ federates (how the initiator authenticated to the receiver: EXTERNAL or dialback) · " +
  "❌ fails (short reason) · ⚠️ the harness could not decide · 🔀 flaky (attempts disagreed) · " +
  "❗ differs from the scenario's expectation · — pair not tested";

export function summaryLine(r: RunResults): string {
  const s = r.summary;
  return [
    `${s.total} cells`,
    `${s.asExpected} as expected`,
    `${s.unexpected} unexpected`,
    `${s.errors} ${s.errors === 1 ? "error" : "errors"}`,
    `${s.flaky} flaky`,
    formatDuration(r.durationMs),
  ].join(" · ");
}

export function headline(r: RunResults): string {
  const s = r.summary;
  return s.unexpected === 0
    ? `✅ all ${s.total} cells as expected`
    : `❌ ${s.unexpected} of ${s.total} ${s.total === 1 ? "cell" : "cells"} unexpected`;
}

function table(t: MatrixTable): string[] {
  const label = (server: string) => escapeMarkdown(t.labels.get(server) ?? server);
  const head = `| ${ROW_HEADER} | ${t.columns.map(label).join(" | ")} |`;
  const rule = `| ${["---", ...t.columns.map(() => "---")].join(" | ")} |`;
  const rows = t.rows.map((row) => {
    const cells = t.columns.map((col) => {
      const found = t.cells.get(pairKey(row, col));
      return found ? found.map((c) => escapeMarkdown(cellLine(c))).join("<br>") : "—";
    });
    return `| **${label(row)}** | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...rows];
}

export function unexpectedItem(c: CellResult): string {
  const why = c.mismatch ? ` — ${escapeMarkdown(c.mismatch)}` : "";
  return `- ${codeSpan(c.spec.id)}: expected ${escapeMarkdown(expectedText(c.spec.expected))}, got ${escapeMarkdown(actualText(c))}${why}`;
}

export function renderMarkdown(results: RunResults): string {
  const out: string[] = [`# s2s-matrix: ${headline(results)}`, "", `**${summaryLine(results)}**`, ""];
  out.push(
    `Run ${codeSpan(results.runId)} · scenarios: ${results.scenarios.map(escapeMarkdown).join(", ") || "none"} · ` +
      `isolation: ${results.isolation} · started ${escapeMarkdown(results.startedAt)} · harness ${escapeMarkdown(results.harnessVersion)}`,
    "",
  );
  const tables = matrixTables(results.scenarios, results.cells);
  // A scenario level only when there is more than one, so the common case stays flat.
  const multi = scenarioOrder(results.scenarios, results.cells).length > 1;
  let scenario: string | undefined;
  for (const t of tables) {
    if (multi && t.scenario !== scenario) out.push(`## Scenario: ${escapeMarkdown((scenario = t.scenario))}`, "");
    out.push(`${multi ? "###" : "##"} ${escapeMarkdown(t.title)}`, "", ...table(t), "");
  }
  if (tables.length === 0) out.push("_No cells were run._", "");
  out.push(LEGEND, "");
  // Servers run with an operator's own config: what it put in force (details per cell: results.json, matrix.html).
  const configured = configuredServers(results.cells);
  if (configured.size) {
    out.push("## Settings in force (your config)", "");
    for (const [server, s] of configured) {
      out.push(`- **${escapeMarkdown(server)}**: ${Object.entries(s).map(([k, v]) => `${codeSpan(k)} = ${escapeMarkdown(v)}`).join("; ")}`);
    }
    out.push("");
  }
  out.push("## Unexpected cells", "");
  const unexpected = results.cells.filter((c) => !c.asExpected);
  out.push(...(unexpected.length ? unexpected.map(unexpectedItem) : ["None: every cell met its expectation."]), "");
  return out.join("\n");
}
