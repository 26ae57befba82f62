// matrix.md: GitHub-flavoured markdown, written to suit $GITHUB_STEP_SUMMARY.
import type { CellResult, RunResults } from "../../core/types.ts";
import {
  actualText,
  cellLine,
  decidedText,
  RETRIED,
  expectedText,
  MANY_COMBINATIONS,
  matrixTables,
  outcomeCounts,
  overview,
  pairKey,
  scenarioOrder,
  tableCells,
  type MatrixTable,
} from "./cells.ts";
import { codeSpan, escapeMarkdown, formatDuration } from "./text.ts";
import { UNDECIDED } from "../../core/judge.ts";
import { configuredServers } from "./settings.ts";
import { incompleteBanner, incompleteHeadline, resumedLine } from "./incomplete.ts";
import { findingsMarkdown, findingsOf } from "./findings/render.ts";

export const ROW_HEADER = "initiator ↓ / receiver →";

export const LEGEND =
  "**Legend:** ✅ federates (how the initiator authenticated to the receiver: EXTERNAL or dialback) · " +
  "↦ one-way (the message arrives, every reply to the initiator is lost; why) · " +
  `❌ fails (short reason) · ⚠️ ${UNDECIDED} · 🔀 flaky (attempts disagreed) · ${RETRIED}: the verdict needed the re-run · ` +
  "❗ differs from the scenario's expectation · — pair not tested";

export function summaryLine(r: RunResults): string {
  const s = r.summary;
  return [
    `${s.total} cells`,
    // One-way pairs look like working ones elsewhere; the count keeps them in view.
    ...(s.oneWay ? [`${s.oneWay} one-way`] : []),
    `${s.asExpected} as expected`,
    `${s.unexpected} unexpected`,
    `${s.errors} ${s.errors === 1 ? "error" : "errors"}`,
    `${s.flaky} flaky`,
    // A verdict that needed the re-run is no clean pass.
    ...(s.retried ? [`${s.retried} retried`] : []),
    formatDuration(r.durationMs),
  ].join(" · ");
}

export function headline(r: RunResults): string {
  const s = r.summary;
  const incomplete = incompleteHeadline(r);
  if (incomplete) return s.unexpected ? `${incomplete}, ${s.unexpected} unexpected` : incomplete;
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

/**
 * Many (certificate, dialback) combinations: an overview grid a reader can scan
 * (certificate combination × dialback, outcome counts per combination), then each
 * combination's matrix folded under its counts; a fold with an unexpected cell is open.
 */
function manyCombinations(tables: MatrixTable[], h: string): string[] {
  const o = overview(tables);
  const out = [
    `${h} Overview: ${tables.length} certificate and dialback combinations`,
    "",
    `| certificates (initiator→receiver) | ${o.columns.map((d) => `dialback ${escapeMarkdown(d)}`).join(" | ")} |`,
    `| ${["---", ...o.columns.map(() => "---")].join(" | ")} |`,
    ...o.rows.map((row) => {
      const counts = o.columns.map((col) => {
        const t = o.tables.get(pairKey(row, col));
        return t ? outcomeCounts(tableCells(t)) : "—";
      });
      return `| **${escapeMarkdown(row)}** | ${counts.join(" | ")} |`;
    }),
    "",
  ];
  for (const t of tables) {
    const cells = tableCells(t);
    const open = cells.some((c) => !c.asExpected) ? " open" : "";
    out.push(`<details${open}><summary><b>${escapeMarkdown(t.title)}</b>: ${outcomeCounts(cells)}</summary>`, "", ...table(t), "", "</details>", "");
  }
  return out;
}

/** How the cells were decided: counts, then the cells a log line or the timeout decided (those a reply decided are the rule). */
export function decidedSection(cells: CellResult[]): string[] {
  const by = (d: string) => cells.filter((c) => c.decided === d);
  const [log, timeout] = [by("log"), by("timeout")];
  if (!cells.some((c) => c.decided)) return [];
  const out = ["## How the cells were decided", "", `${by("stanzas").length} by a reply stanza · ${log.length} by a server's log line · ${timeout.length} by the timeout`, ""];
  for (const [title, list] of [["decided by a server's log line", log], ["decided by the timeout", timeout]] as const) {
    if (!list.length) continue;
    out.push(`<details><summary>${list.length} ${title}</summary>`, "", ...list.map((c) => `- ${codeSpan(c.spec.id)}: ${escapeMarkdown(decidedText(c) ?? "")}`), "", "</details>", "");
  }
  return out;
}

export function unexpectedItem(c: CellResult): string {
  const why = c.mismatch ? ` — ${escapeMarkdown(c.mismatch)}` : "";
  return `- ${codeSpan(c.spec.id)}: expected ${escapeMarkdown(expectedText(c.spec.expected))}, got ${escapeMarkdown(actualText(c))}${why}`;
}

export function renderMarkdown(results: RunResults): string {
  const out: string[] = [`# s2s-matrix: ${headline(results)}`, "", `**${summaryLine(results)}**`, ""];
  out.push(
    `Run ${codeSpan(results.runId)} · scenarios: ${results.scenarios.map(escapeMarkdown).join(", ") || "none"} · ` +
      `isolation: ${escapeMarkdown(results.isolation)} · started ${escapeMarkdown(results.startedAt)} · harness ${escapeMarkdown(results.harnessVersion)}`,
    "",
  );
  const banner = incompleteBanner(results);
  if (banner) {
    out.push(`> **${escapeMarkdown(banner)}**`, "");
    out.push(`<details><summary>${results.incomplete!.notRun.length} cells not run</summary>`, "", ...results.incomplete!.notRun.map((c) => `- ${codeSpan(c.id)}`), "", "</details>", "");
  }
  const resumed = resumedLine(results);
  if (resumed) out.push(escapeMarkdown(resumed), "");
  const tables = matrixTables(results.scenarios, results.cells);
  // A scenario level only when there is more than one, so the common case stays flat.
  const multi = scenarioOrder(results.scenarios, results.cells).length > 1;
  // What the cells say, before the cells themselves.
  out.push(...findingsMarkdown(findingsOf(results), multi));
  const h = multi ? "###" : "##";
  for (const scenario of scenarioOrder(results.scenarios, results.cells)) {
    const own = tables.filter((t) => t.scenario === scenario);
    if (own.length === 0) continue;
    if (multi) out.push(`## Scenario: ${escapeMarkdown(scenario)}`, "");
    if (own.length <= MANY_COMBINATIONS) {
      for (const t of own) out.push(`${h} ${escapeMarkdown(t.title)}`, "", ...table(t), "");
    } else {
      out.push(...manyCombinations(own, h));
    }
  }
  if (tables.length === 0) out.push(results.incomplete ? "_No cell finished._" : "_No cells were run._", "");
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
  out.push(...decidedSection(results.cells));
  out.push("## Unexpected cells", "");
  const unexpected = results.cells.filter((c) => !c.asExpected);
  out.push(...(unexpected.length ? unexpected.map(unexpectedItem) : ["None: every cell met its expectation."]), "");
  return out.join("\n");
}
