// matrix.html: one self-contained page; every cell links to its full diagnosis with raw logs.
import type { Attempt, CellResult, RunResults } from "../../core/types.ts";
import {
  actualText,
  cellLine,
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
import { diagnosisFields, exchangeText } from "./diagnosis.ts";
import { CSS, JS } from "./html-assets.ts";
import { pageHead } from "./page-head.ts";
import { settingsRows } from "./settings.ts";
import { headline, LEGEND, ROW_HEADER, summaryLine } from "./markdown.ts";
import { findingsHtml, findingsOf } from "./findings/render.ts";
import { incompleteBanner, resumedLine } from "./incomplete.ts";
import { escapeHtml as h, formatDuration, truncate } from "./text.ts";

const cellAnchor = (index: number): string => `cell-${index}`;

function matrixTable(t: MatrixTable, index: Map<CellResult, number>): string {
  const label = (server: string) => h(t.labels.get(server) ?? server);
  const head = `<tr><th scope="col">${h(ROW_HEADER)}</th>${t.columns.map((c) => `<th scope="col">${label(c)}</th>`).join("")}</tr>`;
  const rows = t.rows.map((row) => {
    const tds = t.columns.map((col) => {
      const found = t.cells.get(pairKey(row, col)) ?? [];
      if (found.length === 0) return `<td class="cell o-none" title="not tested">—</td>`;
      // Repeated pairs (rare) share a td; colour and marker follow the first.
      const c = found[0];
      const cls = `cell o-${c.outcome}${found.some((f) => !f.asExpected) ? " unexpected" : ""}`;
      const links = found.map(
        (f) => `<a href="#${cellAnchor(index.get(f)!)}" title="${h(`${f.spec.id}: ${actualText(f)}`)}">${h(cellLine(f))}</a>`,
      );
      return `<td class="${cls}" data-outcome="${c.outcome}" data-cell-id="${h(c.spec.id)}">${links.join("")}</td>`;
    });
    return `<tr><th scope="row">${label(row)}</th>${tds.join("")}</tr>`;
  });
  return `<table class="matrix"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A connection of the relay's capture (harness/capture/transcript.ts ConnectionSummary), as far as this page needs it. */
interface CapturedConnection {
  id?: string;
  from?: string | null;
  to?: string | null;
  purpose?: string;
  transcript?: string[];
}

/** The relay's capture: its diagnosis, then each connection's readable transcript; any other shape as JSON. */
export function captureText(capture: unknown): string | undefined {
  if (capture === undefined || capture === null) return undefined;
  if (typeof capture === "string") return capture;
  if (!Array.isArray(capture)) {
    const c = capture as { diagnosis?: string; outbound?: CapturedConnection[]; inbound?: CapturedConnection[] };
    if (!Array.isArray(c.outbound) && !Array.isArray(c.inbound)) return JSON.stringify(capture, null, 2);
    const conn = (label: string) => (k: CapturedConnection) =>
      [`── ${label} ${k.from ?? "?"} → ${k.to ?? "?"}${k.purpose && k.purpose !== "s2s" ? ` (${k.purpose})` : ""} [${k.id ?? ""}]`, ...(k.transcript ?? [])].join("\n");
    return [
      ...(c.diagnosis ? [`diagnosis: ${c.diagnosis}`] : []),
      ...(c.outbound ?? []).map(conn("outbound")),
      ...(c.inbound ?? []).map(conn("inbound")),
    ].join("\n\n");
  }
  return capture
    .map((item) => {
      if (typeof item === "string") return item;
      const o = (item ?? {}) as Record<string, unknown>;
      const body = [o.xml, o.stanza, o.data, o.text].find((v) => typeof v === "string");
      const dir = [o.direction, o.dir].find((v) => typeof v === "string");
      return body !== undefined ? `${dir ? `${dir} ` : ""}${body}` : JSON.stringify(item);
    })
    .join("\n");
}

function attemptsTable(attempts: Attempt[]): string {
  const head = "<tr><th>#</th><th>outcome</th><th>duration</th><th>domains</th><th>auth → / ←</th><th>message</th><th>ping</th><th>reason / error</th></tr>";
  const rows = attempts.map((a, i) => {
    const p = a.probe;
    const cells = [
      String(i + 1),
      a.outcome,
      formatDuration(a.durationMs),
      `${a.domains.initiator} → ${a.domains.receiver}`,
      p ? `${p.auth.outbound} / ${p.auth.inbound}` : "",
      p ? exchangeText(p.message, "") : "",
      p ? exchangeText(p.ping, "") : "",
      [p?.reason, a.error].filter(Boolean).join("; "),
    ];
    return `<tr>${cells.map((c) => `<td>${h(c)}</td>`).join("")}</tr>`;
  });
  return `<table class="attempts"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`;
}

function eventsList(attempts: Attempt[]): string {
  const items = attempts.flatMap((a, i) =>
    (a.probe?.events ?? []).map(
      // The event's log line is in the raw log below (or in results.json): not repeated here.
      (e) => `<li>attempt ${i + 1}: ${h(e.kind)} ${h(e.from)} → ${h(e.to)}${e.reason ? `: ${h(e.reason)}` : ""}</li>`,
    ),
  );
  return items.length ? `<h4>Auth events</h4><ul class="events">${items.join("")}</ul>` : "";
}

/** The s2s settings in force on both sides (an operator's own config shows here as "your config"). */
function settingsTable(c: CellResult): string {
  const rows = settingsRows(c);
  if (!rows.length) return "";
  const body = rows.map(([n, a, b]) => `<tr><th>${h(n)}</th><td>${h(a)}</td><td>${h(b)}</td></tr>`).join("");
  return `<h4>Settings in force</h4><table class="attempts settings"><tr><th></th><th>initiator</th><th>receiver</th></tr>${body}</table>`;
}

/**
 * A page of 1 680 cells stays small (≤ 3 MB) when each shows the last lines of its log;
 * every line is in results.json beside the page.
 */
export const PAGE_LOG_LINES = 8;
/** A cell that met its expectation: fewer. */
const EXPECTED_LOG_LINES = 3;
const PAGE_LOG_LINE_CHARS = 400;

/** The last PAGE_LOG_LINES lines of a log, each cut, with where the rest is. */
function pageLog(lines: string[], where: string, max = PAGE_LOG_LINES): string {
  const shown = lines.slice(-max).map((l) => truncate(l, PAGE_LOG_LINE_CHARS));
  const cut = lines.length - shown.length;
  const note = cut > 0 || shown.some((l, n) => l !== lines[cut + n]) ? `<p class="meta">${cut > 0 ? `${cut} earlier lines, ` : ""}all of it: <a href="results.json">results.json</a> ${h(where)}</p>` : "";
  return `${note}<pre class="log">${h(shown.join("\n")) || "(no log lines mention this cell's domains)"}</pre>`;
}

/** What a cell that met its expectation leaves out of its fields: the summary and results.json say it. */
const BRIEF_LEAVES_OUT = new Set(["Cell", "Scenario", "Auth outbound", "Auth inbound", "Attempts", "Duration"]);

function diagnosis(c: CellResult, i: number): string {
  const capture = captureText((c as CellResult & { capture?: unknown }).capture);
  const brief = c.asExpected && capture === undefined;
  const fields = diagnosisFields(c)
    .filter((f) => !brief || !BRIEF_LEAVES_OUT.has(f.label))
    .map((f) => `<dt>${h(f.label)}</dt><dd>${h(f.value)}</dd>`)
    .join("");
  const logs = `<h4>Raw log lines (${c.logs.length})</h4>${pageLog(c.logs, `cells[${i}].logs`)}`;
  // Earlier attempts' logs only when they differ from the deciding attempt's.
  const decided = c.logs.join("\n");
  const otherLogs = c.attempts
    .map((a, n) => ({ n, lines: a.probe?.logs ?? [] }))
    .filter((a) => a.lines.length && a.lines.join("\n") !== decided)
    .map((a) => `<details><summary>Log lines of attempt ${a.n + 1}</summary>${pageLog(a.lines, `cells[${i}].attempts[${a.n}].probe.logs`)}</details>`)
    .join("");
  const cls = `diag d-${c.outcome}`;
  const head = `<details class="${cls}" id="${cellAnchor(i)}" data-outcome="${c.outcome}"><summary>${h(`${c.spec.id} · ${cellLine(c)}`)}</summary><dl class="fields">${fields}</dl>`;
  // A cell that met its expectation shows its verdict and the last log lines; its settings,
  // attempts and events are in results.json. Unexpected cells show everything.
  if (brief) {
    // An operator's own config deciding a setting is shown on every cell (it is rare, and why a cell ends as it does).
    const configured = settingsRows(c).some((row) => row.slice(1).some((v) => v.includes("(your config)")));
    return `${head}${configured ? settingsTable(c) : ""}<h4>Last log lines</h4>${pageLog(c.logs, `cells[${i}]`, EXPECTED_LOG_LINES)}</details>`;
  }
  return (
    head +
    settingsTable(c) +
    `<h4>Attempts</h4>${attemptsTable(c.attempts)}${eventsList(c.attempts)}${logs}${otherLogs}` +
    (capture !== undefined ? `<h4>Stanza capture</h4><pre class="capture">${h(capture)}</pre>` : "") +
    "</details>"
  );
}

/**
 * Many combinations (as in matrix.md): an overview grid of certificate combination ×
 * dialback with outcome counts, each linking to that combination's folded matrix.
 */
function manyCombinations(tables: MatrixTable[], first: number, heading: string, index: Map<CellResult, number>): string {
  const o = overview(tables);
  const id = (t: MatrixTable) => `combo-${first + tables.indexOf(t)}`;
  const head = `<tr><th scope="col">certificates (initiator→receiver)</th>${o.columns.map((d) => `<th scope="col">dialback ${h(d)}</th>`).join("")}</tr>`;
  const rows = o.rows.map((row) => {
    const tds = o.columns.map((col) => {
      const t = o.tables.get(pairKey(row, col));
      return t ? `<td><a href="#${id(t)}">${h(outcomeCounts(tableCells(t)))}</a></td>` : `<td class="o-none">—</td>`;
    });
    return `<tr><th scope="row">${h(row)}</th>${tds.join("")}</tr>`;
  });
  const folds = tables.map((t) => {
    const cells = tableCells(t);
    const open = cells.some((c) => !c.asExpected) ? " open" : "";
    return `<details class="combo" id="${id(t)}"${open}><summary><b>${h(t.title)}</b>: ${h(outcomeCounts(cells))}</summary>${matrixTable(t, index)}</details>`;
  });
  return `<section><h2>${h(heading)}</h2><table class="matrix overview"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>${folds.join("\n")}</section>`;
}

export function renderHtml(results: RunResults): string {
  const index = new Map(results.cells.map((c, i) => [c, i]));
  const multi = scenarioOrder(results.scenarios, results.cells).length > 1;
  const all = matrixTables(results.scenarios, results.cells);
  const tables = scenarioOrder(results.scenarios, results.cells)
    .map((scenario) => {
      const own = all.filter((t) => t.scenario === scenario);
      if (own.length > MANY_COMBINATIONS) {
        const heading = `${multi ? `${scenario}: ` : ""}Overview of ${own.length} certificate and dialback combinations`;
        return manyCombinations(own, all.indexOf(own[0]), heading, index);
      }
      return own.map((t) => `<section><h2>${h(multi ? `${t.scenario}: ${t.title}` : t.title)}</h2>${matrixTable(t, index)}</section>`).join("\n");
    })
    .filter(Boolean)
    .join("\n");
  const unexpected = results.cells.filter((c) => !c.asExpected);
  const unexpectedList = unexpected.length
    ? `<ul>${unexpected
        .map((c) => `<li><a href="#${cellAnchor(index.get(c)!)}">${h(c.spec.id)}</a>: expected ${h(expectedText(c.spec.expected))}, got ${h(actualText(c))}${c.mismatch ? ` — ${h(c.mismatch)}` : ""}</li>`)
        .join("")}</ul>`
    : "<p>None: every cell met its expectation.</p>";
  const meta = `Run ${results.runId} · scenarios: ${results.scenarios.join(", ") || "none"} · isolation: ${results.isolation} · started ${results.startedAt} · harness ${results.harnessVersion}`;
  const title = `s2s-matrix: ${headline(results)}`;
  const banner = incompleteBanner(results);
  const notRun = results.incomplete?.notRun ?? [];
  const incomplete = banner
    ? `<section id="incomplete" class="incomplete"><p><strong>${h(banner)}</strong></p>${notRun.length ? `<details><summary>${notRun.length} cells not run</summary><ul>${notRun.map((c) => `<li>${h(c.id)}</li>`).join("")}</ul></details>` : ""}</section>\n`
    : "";
  const resumed = resumedLine(results);
  return `${pageHead(title, { css: CSS, js: JS })}<body>
<header><h1>${h(title)}</h1><p class="summary">${h(summaryLine(results))}</p><p class="meta">${h(meta)}</p></header>
<main>
${incomplete}${resumed ? `<p class="meta">${h(resumed)}</p>\n` : ""}${findingsHtml(findingsOf(results), multi)}${tables || `<p>${results.incomplete ? "No cell finished." : "No cells were run."}</p>`}
<p class="legend">${h(LEGEND.replace(/\*\*/g, ""))}</p>
<section id="unexpected"><h2>Unexpected cells</h2>${unexpectedList}</section>
<section id="diagnoses"><h2>Cell diagnoses</h2><p class="meta">Click a cell in a table to open its diagnosis.</p>
${results.cells.map(diagnosis).join("\n")}
</section>
</main>
<script>${JS}</script>
</body>
</html>
`;
}
