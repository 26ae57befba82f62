// Findings as the first section of matrix.md and matrix.html.
import type { RunResults, ScenarioFindings } from "../../../core/types.ts";
import { escapeHtml, escapeMarkdown } from "../text.ts";
import { deriveFindings } from "./derive.ts";

/** The run's findings: those results.json carries, else derived from its cells. */
export const findingsOf = (results: Pick<RunResults, "scenarios" | "cells" | "findings">): ScenarioFindings[] => results.findings ?? deriveFindings(results);

/** How the statements are read, and how many there are. */
export function findingsIntro(f: ScenarioFindings): string {
  const n = f.statements.length;
  return (
    `${n} ${n === 1 ? "statement" : "statements"} after the default ${n === 1 ? "reproduces" : "reproduce"} all ${f.cells} decided cells' outcome, authentication and reason. ` +
    "Read them in order: a later statement overrides an earlier one for the cells both speak of (as a scenario's expect: rules; s2s-matrix expect prints them as such)."
  );
}

/** Lines for what no statement covers: exceptions, indistinguishable cells, cells without a verdict. */
function leftovers(f: ScenarioFindings): { title: string; items: string[] }[] {
  const out: { title: string; items: string[] }[] = [];
  const exceptions = f.statements.filter((s) => s.exception);
  if (exceptions.length) out.push({ title: `Exceptions (a statement of one cell): ${exceptions.length}`, items: exceptions.map((s) => s.text) });
  if (f.unexplained.length) {
    out.push({ title: `Cells no statement tells apart from others that did otherwise: ${f.unexplained.length}`, items: f.unexplained.map((u) => `${u.id}: ${u.text}`) });
  }
  if (f.undecided.length) out.push({ title: `Cells without a verdict, left out: ${f.undecided.length}`, items: f.undecided.map((u) => `${u.id}: ${u.outcome}`) });
  return out;
}

export function findingsMarkdown(findings: ScenarioFindings[], multi: boolean): string[] {
  if (!findings.length) return [];
  const out = ["## Findings", ""];
  for (const f of findings) {
    if (multi) out.push(`### ${escapeMarkdown(f.scenario)}`, "");
    out.push(escapeMarkdown(findingsIntro(f)), "");
    out.push(`0. ${escapeMarkdown(f.default.text)}`);
    f.statements.forEach((s, k) => out.push(`${k + 1}. ${s.exception ? "_Exception:_ " : ""}${escapeMarkdown(s.text)}`));
    out.push("");
    for (const l of leftovers(f)) out.push(`**${escapeMarkdown(l.title)}**`, "", ...l.items.map((i) => `- ${escapeMarkdown(i)}`), "");
  }
  return out;
}

export function findingsHtml(findings: ScenarioFindings[], multi: boolean): string {
  if (!findings.length) return "";
  const parts = findings.map((f) => {
    const items = [`<li value="0">${escapeHtml(f.default.text)}</li>`, ...f.statements.map((s) => `<li>${s.exception ? "<em>Exception:</em> " : ""}${escapeHtml(s.text)}</li>`)];
    const rest = leftovers(f)
      .map((l) => `<p><strong>${escapeHtml(l.title)}</strong></p><ul>${l.items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`)
      .join("");
    return `${multi ? `<h3>${escapeHtml(f.scenario)}</h3>` : ""}<p>${escapeHtml(findingsIntro(f))}</p><ol start="0">${items.join("")}</ol>${rest}`;
  });
  return `<section id="findings"><h2>Findings</h2>${parts.join("")}</section>\n`;
}
