import { describe, expect, it } from "vitest";
import { CELLS, profilesSizedRun, sampleResults, XSS_LOG } from "./fixtures.ts";
import { captureText, renderHtml } from "./html.ts";

describe("renderHtml", () => {
  const html = renderHtml(sampleResults());

  it("is one self-contained page: no external scripts, styles, images or links", () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/(href|src)="(?!#)/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';[^"]*">/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it("escapes log lines, reasons and ids: a <script> in a log stays text", () => {
    expect(html).toContain(
      "&lt;script&gt;window.__pwned = 1&lt;/script&gt; &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; &amp; &quot;quotes&quot; red bell",
    );
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("\x1b");
    expect(html).toContain("dialback disabled on receiver &lt;b&gt;");
    expect(XSS_LOG).toContain("<script>");
  });

  it("has a table per combination with the row header and a link from each cell to its diagnosis", () => {
    expect(html.match(/<table class="matrix">/g)).toHaveLength(3);
    expect(html.match(/<th scope="col">initiator ↓ \/ receiver →<\/th>/g)).toHaveLength(3);
    const links = [...html.matchAll(/<td class="cell o-(\w+)( unexpected)?"[^>]*><a href="#(cell-\d+)"/g)];
    expect(links).toHaveLength(8);
    for (const [, , , anchor] of links) expect(html).toMatch(new RegExp(`<details class="diag d-\\w+" id="${anchor}"`));
    expect(links.filter((l) => l[2]).map((l) => l[1]).sort()).toEqual(["error", "federates", "flaky"]);
  });

  const diagOf = (page: string, i: number) => page.slice(page.indexOf(`id="cell-${i}"`), page.indexOf("</details>", page.indexOf(`id="cell-${i}"`)));

  it("gives an unexpected cell's diagnosis every fact: expected vs actual, auth per direction, message/ping, attempts, logs", () => {
    const unexpected = { ...CELLS.failsLong, asExpected: false, mismatch: "expected federates" };
    const diag = diagOf(renderHtml(sampleResults([CELLS.external, unexpected])), 1);
    expect(diag).toContain(`<dt>Cell</dt><dd>${CELLS.failsLong.spec.id}</dd>`);
    expect(diag).toContain("<dt>Expected</dt><dd>fails (rule: default)</dd>");
    expect(diag).toContain("<dt>Actual</dt><dd>fails (TLS alert | handshake failure");
    expect(diag).toContain("<dt>Auth outbound</dt><dd>none (ejabberd@23.01 → prosody@0.12.3");
    expect(diag).toContain("<dt>Auth inbound</dt>");
    expect(diag).toContain("<dt>Message</dt><dd>bounced: remote-server-not-found &quot;TLS alert");
    expect(diag).toContain("<dt>Ping</dt><dd>error: remote-server-timeout (5000 ms)</dd>");
    expect(diag).toContain("<dt>Reason</dt><dd>TLS alert | handshake failure: peer certificate lacks the serverAuth EKU required by this receiver</dd>");
    expect(diag).toContain("<table class=\"attempts\">");
    expect(diag).toContain('<pre class="log">ejabberd: TLS handshake with a1.example failed\nprosody: s2sin: peer certificate lacks serverAuth</pre>');
    expect(diag).not.toContain("Stanza capture");
  });

  it("a certificate-profiles-sized run (1 680 cells, each with 10 log lines) gives a page of at most 3 MB", () => {
    const page = renderHtml(sampleResults(profilesSizedRun()));
    expect(page.match(/<details class="diag /g)).toHaveLength(1680);
    expect(Buffer.byteLength(page)).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it("a cell that met its expectation shows its verdict and last log lines, and says where the rest is", () => {
    const logs = Array.from({ length: 12 }, (_, n) => `line ${n + 1}`);
    const page = renderHtml(sampleResults([CELLS.external, { ...CELLS.failsLong, logs }]));
    const diag = diagOf(page, 1);
    expect(diag).toContain("<dt>Expected</dt><dd>fails (rule: default)</dd>");
    expect(diag).toContain("<dt>Reason</dt><dd>TLS alert | handshake failure");
    expect(diag).not.toContain('<table class="attempts">');
    expect(diag).not.toContain("<dt>Auth outbound</dt>");
    expect(diag).toContain('9 earlier lines, all of it: <a href="results.json">results.json</a> cells[1]</p><pre class="log">line 10\nline 11\nline 12</pre>');
  });

  it("shows a capture transcript when a cell has one", () => {
    const withCapture = { ...CELLS.failsLong, capture: [{ direction: "out", xml: "<stream:stream to='b1.example'>" }, "<failure/>"] };
    const page = renderHtml(sampleResults([withCapture as never]));
    expect(page).toContain('<h4>Stanza capture</h4><pre class="capture">out &lt;stream:stream to=&#39;b1.example&#39;&gt;\n&lt;failure/&gt;</pre>');
  });

  it("accepts any capture shape", () => {
    expect(captureText(undefined)).toBeUndefined();
    expect(captureText("raw")).toBe("raw");
    expect(captureText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(captureText([{ dir: "in", stanza: "<x/>" }, { other: true }])).toBe('in <x/>\n{"other":true}');
  });
});

describe("renderHtml with many certificate and dialback combinations", () => {
  const profiles = ["server-only", "dual-eku", "no-eku", "client-only", "expired", "wrong-name", "untrusted", "self-signed"] as const;
  const cells = profiles.map((p, i) => {
    const base = i === 3 ? CELLS.oneWay : i === 4 ? CELLS.unexpected : CELLS.external;
    const initiator = { ...base.spec.initiator, certificate: p, dialback: "off" as const };
    return { ...base, spec: { ...base.spec, id: `${p} cell`, initiator, receiver: { ...base.spec.receiver, certificate: "dual-eku" as const, dialback: "off" as const } } };
  });
  const html = renderHtml(sampleResults(cells));

  it("links each overview entry to its folded matrix, unfolded where a cell is unexpected", () => {
    expect(html).toContain("<h2>Overview of 8 certificate and dialback combinations</h2>");
    const links = [...html.matchAll(/<td><a href="#(combo-\d+)">([^<]*)<\/a><\/td>/g)].map((m) => [m[1], m[2]]);
    expect(links).toHaveLength(8);
    expect(links[3]).toEqual(["combo-3", "↦ one-way 1"]);
    const folds = [...html.matchAll(/<details class="combo" id="(combo-\d+)"( open)?>/g)].map((m) => `${m[1]}${m[2] ?? ""}`);
    expect(folds).toEqual(["combo-0", "combo-1", "combo-2", "combo-3", "combo-4 open", "combo-5", "combo-6", "combo-7"]);
    expect(html.match(/<table class="matrix">/g)).toHaveLength(8);
  });
});
