// Inline CSS and JS of matrix.html; no external resources, so the page works offline and as a CI artifact.

export const CSS = `
:root { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; background: #fff; }
body { margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
.summary { font-weight: 600; margin: .2rem 0; }
.meta, .legend { color: #57606a; }
table.matrix { border-collapse: collapse; margin: .3rem 0 1rem; }
table.matrix th, table.matrix td { border: 1px solid #d0d7de; padding: .35rem .55rem; vertical-align: top; }
table.matrix thead th { background: #f6f8fa; }
table.matrix tbody th { background: #f6f8fa; text-align: left; white-space: nowrap; }
td.cell a { color: inherit; text-decoration: none; display: block; }
td.cell a:hover, td.cell a:focus { text-decoration: underline; }
.o-federates { background: #dafbe1; }
.o-one-way { background: #fff1e0; }
.o-fails { background: #ffebe9; }
.o-error { background: #fff8c5; }
.o-flaky { background: #ede3fb; }
.o-none { background: #fff; color: #8c959f; }
.unexpected { box-shadow: inset 0 0 0 3px #cf222e; font-weight: 600; }
details.diag { border: 1px solid #d0d7de; border-radius: 6px; margin: .4rem 0; padding: .3rem .7rem; }
.d-federates { border-left: 6px solid #1a7f37; }
.d-one-way { border-left: 6px solid #bc4c00; }
.d-fails { border-left: 6px solid #cf222e; }
.d-error { border-left: 6px solid #bf8700; }
.d-flaky { border-left: 6px solid #8250df; }
details.diag > summary { cursor: pointer; font-weight: 600; }
table.overview td a { color: inherit; }
details.combo { margin: .4rem 0; }
details.combo > summary { cursor: pointer; font-size: 1.1rem; }
details.combo:target, details.combo.flash { outline: 3px solid #0969da; }
details.diag:target, details.diag.flash { outline: 3px solid #0969da; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0; }
dl.fields dt { color: #57606a; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
table.attempts { border-collapse: collapse; font-size: .92em; }
table.attempts th, table.attempts td { border: 1px solid #d0d7de; padding: .2rem .45rem; text-align: left; vertical-align: top; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem; overflow: auto; max-height: 28rem; font-size: .85em; white-space: pre-wrap; overflow-wrap: anywhere; }
h4 { margin: .8rem 0 .3rem; }
`;

// Clicking a cell opens its diagnosis; a #cell-N link or URL opens it too (deep links from CI logs).
export const JS = `
(function () {
  function open(id, scroll) {
    var d = id && document.getElementById(id);
    if (!d || d.tagName !== "DETAILS") return;
    d.open = true;
    d.classList.add("flash");
    setTimeout(function () { d.classList.remove("flash"); }, 1500);
    if (scroll) d.scrollIntoView({ block: "start" });
  }
  document.addEventListener("click", function (e) {
    // A cell's diagnosis, or a folded combination's matrix (many combinations).
    var a = e.target.closest && e.target.closest('a[href^="#cell-"], a[href^="#combo-"]');
    if (a) open(a.getAttribute("href").slice(1), false);
  });
  window.addEventListener("hashchange", function () { open(location.hash.slice(1), true); });
  open(location.hash.slice(1), true);
})();
`;
