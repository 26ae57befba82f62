// The shell every page shares: one inline stylesheet pinned by hash in the CSP (as
// matrix.html), no script, nothing loaded from anywhere; verdict marks with their words.
import { pageHead } from "../report/page-head.ts";
import { escapeHtml as h } from "../report/text.ts";
import { VERDICT, type Verdict } from "./verdict.ts";

export const CSS = `
:root { font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #1f2328; background: #fff; }
body { margin: 0 auto; padding: 1rem; max-width: 1200px; }
nav { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin-bottom: .8rem; }
nav a { font-weight: 600; }
a { color: #0550ae; }
h1 { font-size: 1.45rem; margin: .2rem 0 .4rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .3rem; overflow-wrap: anywhere; }
.meta { color: #57606a; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .3rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #f6f8fa; }
tbody th { background: #f6f8fa; white-space: nowrap; }
td.g { white-space: nowrap; font-size: .92em; }
.v { white-space: nowrap; }
.v-accepted { color: #116329; } .v-partly { color: #7d4e00; } .v-refused { color: #a40e26; }
.v-undecided, .v-untested { color: #57606a; }
.b-accepted { background: #dafbe1; } .b-partly { background: #fff1e0; } .b-refused { background: #ffebe9; }
.b-undecided { background: #fff8c5; } .b-untested { background: #fff; }
.badges { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
ul.changes li { margin: .2rem 0; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem; font-size: .85em; white-space: pre-wrap; overflow-wrap: anywhere; }
section.evidence { border-top: 1px solid #d0d7de; }
section.evidence:target { outline: 3px solid #0969da; }
`;

/** A verdict as the site shows it: mark (hidden from screen readers) and word. */
export function verdictHtml(v: Verdict, detail = ""): string {
  const { mark, word } = VERDICT[v];
  return `<span class="v v-${v}"><span aria-hidden="true">${mark}</span> ${h(word)}${detail ? ` ${h(detail)}` : ""}</span>`;
}

/** `root`: the path from the page back to the site's top ("" or "../"). */
export function page(o: { title: string; root: string; body: string; json?: string }): string {
  const nav = `<nav aria-label="Site"><a href="${o.root}index.html">Overview</a><a href="${o.root}history.html">History</a>${o.json ? `<a href="${h(o.json)}">This page as JSON</a>` : ""}</nav>`;
  return `${pageHead(o.title, { css: CSS })}<body>
<header>${nav}<h1>${h(o.title)}</h1></header>
<main>
${o.body}
</main>
<footer><p class="meta">Built by <code>s2s-matrix site</code> from the runs' results.json; every figure links to the cells it comes from.</p></footer>
</body>
</html>
`;
}
