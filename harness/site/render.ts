// The pages' HTML, each from its data (data.ts). Every text from a run is escaped here.
import { escapeHtml as h } from "../report/text.ts";
import { BADGE_MARK } from "./verdict.ts";
import { DIALBACK, ROLES, type Role } from "./model.ts";
import type { Evidence, Grid, OverviewPage, VersionPage, VersionSummary } from "./data.ts";
import type { HistoryStep } from "./history.ts";
import { page, verdictHtml } from "./layout.ts";
import { badgeSvg } from "./badge.ts";

const ROLE_TITLE: Record<Role, string> = { receiver: "As receiver (the peer connects to it)", initiator: "As initiator (it connects to the peer)" };

/** One version's groups for one role and peer profile: a line per own dialback setting. */
function groupCell(g: Grid, role: Role, profile: string): string {
  const lines = DIALBACK.map((db) => {
    const x = g[role][profile]![db];
    const detail = x.cells ? `${x.federates}/${x.cells}` : "";
    return `<div class="b-${x.verdict}">dialback ${db}: ${verdictHtml(x.verdict, detail)}</div>`;
  });
  return `<td class="g">${lines.join("")}</td>`;
}

function roleTable(o: OverviewPage, role: Role): string {
  const head = `<tr><th scope="col">server version</th>${o.profiles.map((p) => `<th scope="col">peer presents ${h(p)}</th>`).join("")}</tr>`;
  const rows = o.versions.map((v) => `<tr><th scope="row"><a href="${h(v.page)}">${h(v.name)}</a></th>${o.profiles.map((p) => groupCell(v.grid, role, p)).join("")}</tr>`);
  return `<h2 id="${role}">${h(ROLE_TITLE[role])}</h2><div class="scroll" tabindex="0" role="region" aria-label="${h(ROLE_TITLE[role])}"><table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

const LEGEND =
  "Each cell groups the runs' cells in which the row's version played the role with a sound certificate of its own (server-only, dual-eku or no-eku), the peer presented the column's certificate and the version's own dialback was on or off: " +
  "accepted — every cell federated; refused — every cell failed; partly — some federated or only one way; undecided — errors or flaky only; n/m — cells that federated of those run. " +
  "A badge is the version as receiver of a certificate profile (Let's Encrypt 2026: the initiator presents a server-only certificate): accepted — it federated with at least one peer with its own dialback off, so by the certificate; " +
  "dialback only — only with its dialback on; refused — with no peer.";

/** Without findings: per version, how often it federated in each role, and its Let's Encrypt 2026 badge. */
function summaryTable(o: OverviewPage): string {
  const count = (v: VersionSummary, role: Role) => {
    const gs = o.profiles.flatMap((p) => DIALBACK.map((db) => v.grid[role][p]![db]));
    return `${gs.reduce((n, g) => n + g.federates, 0)} of ${gs.reduce((n, g) => n + g.cells, 0)}`;
  };
  const le = (v: VersionSummary) => {
    const b = v.badges.find((x) => x.profile === "server-only");
    return b ? `<a href="${h(b.svg)}"><span aria-hidden="true">${BADGE_MARK[b.verdict]}</span> ${h(b.verdict)}</a>` : `<span aria-hidden="true">${BADGE_MARK["not tested"]}</span> not tested`;
  };
  const rows = o.versions.map((v) => `<tr><th scope="row"><a href="${h(v.page)}">${h(v.name)}</a></th><td>${count(v, "receiver")}</td><td>${count(v, "initiator")}</td><td>${le(v)}</td></tr>`);
  return `<h2 id="summary">Per version</h2><div class="scroll" tabindex="0" role="region" aria-label="Per version"><table><thead><tr><th scope="col">server version</th><th scope="col">federated as receiver</th><th scope="col">as initiator</th><th scope="col">Let's Encrypt 2026</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

export function overviewHtml(o: OverviewPage): string {
  const runs = o.runs.map((r) => `<li>${h(r.scenarios.join(", "))}: run ${h(r.runId)}, started ${h(r.startedAt)}, ${r.cells} cells</li>`).join("");
  // A statement's text ends with its count ("— 158 cells"): shown once, as written.
  const findings = o.findings.length
    ? `<h2 id="findings">Findings</h2>${o.findings.map((f) => `<h3>${h(f.scenario)}</h3><ul>${f.statements.map((s) => `<li>${h(s.text)}</li>`).join("")}</ul>`).join("")}`
    : summaryTable(o);
  return page({
    title: "XMPP server-to-server federation: which versions accept which certificates",
    root: "",
    json: "index.json",
    body: `<p class="meta">From the runs:</p><ul class="meta">${runs}</ul>${findings}${ROLES.map((r) => roleTable(o, r)).join("")}<p class="meta">${h(LEGEND)}</p>`,
  });
}

export function versionHtml(p: VersionPage): string {
  const v = p.summary;
  const badges = v.badges.length
    ? `<h2>Badges</h2><div class="badges">${v.badges.map((b) => `<a href="../${h(b.svg)}">${badgeSvg(b.label, b.verdict)}</a>`).join("")}</div><p class="meta">Embed: <code>${h(`![${v.badges[0]!.label}](<site>/${v.badges[0]!.svg})`)}</code></p>`
    : "";
  const c = p.counts;
  const counts = `<p>${c.cells} cells: ${c.federates} federate, ${c.oneWay} one-way, ${c.fails} fail, ${c.undecided} undecided.</p>`;
  const grid = ROLES.map((role) => {
    const profiles = Object.keys(v.grid[role]).filter((pr) => DIALBACK.some((db) => v.grid[role][pr]![db].cells > 0));
    const rows = profiles.map((pr) => `<tr><th scope="row">${h(pr)}</th>${DIALBACK.map((db) => { const g = v.grid[role][pr]![db]; return `<td class="b-${g.verdict}">${verdictHtml(g.verdict, g.cells ? `${g.federates}/${g.cells}` : "")}</td>`; }).join("")}</tr>`);
    return `<h2>${h(ROLE_TITLE[role])}</h2><div class="scroll" tabindex="0" role="region" aria-label="${h(ROLE_TITLE[role])}"><table><thead><tr><th scope="col">peer presents</th>${DIALBACK.map((db) => `<th scope="col">own dialback ${db}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  }).join("");
  const refusals = p.refusals.length
    ? `<h2 id="refusals">Where it did not federate (${p.refusals.length})</h2><div class="scroll" tabindex="0" role="region" aria-label="Where it did not federate"><table><thead><tr><th scope="col">role</th><th scope="col">peer</th><th scope="col">cell</th><th scope="col">result</th><th scope="col">in the servers' own words</th><th scope="col">evidence</th></tr></thead><tbody>${p.refusals
        .map((r) => `<tr><td>${r.role}</td><td>${h(r.peer)}</td><td>${h(r.cell)}</td><td>${verdictHtml(r.outcome === "fails" ? "refused" : r.outcome === "one-way" ? "partly" : "undecided", r.outcome === "one-way" ? "(one-way)" : "")}<br>${h(r.result)}</td><td><code>${h(r.words)}</code></td><td><a href="../${h(r.evidence)}">log lines</a></td></tr>`)
        .join("")}</tbody></table></div>`
    : `<p>It federated in every cell.</p>`;
  const runs = p.runs.map((r) => `${h(r.scenarios.join(", "))} (run ${h(r.runId)}, ${h(r.startedAt)})`).join("; ");
  return page({ title: v.name, root: "../", json: `../${v.json}`, body: `<p class="meta">From ${runs}.</p>${counts}${badges}${grid}${refusals}` });
}

export function evidenceHtml(name: string, items: Evidence[], back: string): string {
  const body = items
    .map(
      (e) =>
        `<section class="evidence" id="${e.anchor}"><h3>${h(e.cell)}</h3><p>${h(e.result)}</p>${e.reason ? `<p class="meta">Reason: ${h(e.reason)}</p>` : ""}` +
        `<pre>${h(e.logs.join("\n")) || "(no log line mentions this cell's domains)"}</pre>${e.omitted ? `<p class="meta">${e.omitted} lines left out (the probe's own c2s sessions, and beyond the first 12); all are in the run's results.json</p>` : ""}` +
        (e.transcript ? `<h4>Stanza capture</h4><pre>${h(e.transcript.join("\n"))}</pre>` : "") +
        `</section>`,
    )
    .join("\n");
  return page({ title: `${name}: evidence`, root: "../", body: `<p><a href="${h(back)}">Back to ${h(name)}</a></p>${body || "<p>No cell to show.</p>"}` });
}

export function historyHtml(steps: HistoryStep[]): string {
  const body = steps
    .map((s) => {
      const when = s.from ? `${s.from.startedAt.slice(0, 10)} → ${s.to.startedAt.slice(0, 10)}` : s.to.startedAt.slice(0, 10);
      const items = s.changes
        .map((c) => `<li>${h(c.text)}${c.cells ? `<ul>${c.cells.map((x) => `<li>${h(x)}</li>`).join("")}</ul>` : ""}</li>`)
        .join("");
      return `<h2>${h(when)}: ${h(s.series)}</h2><p class="meta">run ${h(s.to.runId)}${s.from ? ` compared with run ${h(s.from.runId)}` : ""}</p><ul class="changes">${items}</ul>`;
    })
    .join("\n");
  return page({ title: "What changed between runs", root: "", json: "history.json", body: body || "<p>No runs.</p>" });
}
