// matrix.html in Debian's headless Chromium (test/chromium.ts, which the site's tests share):
// clicking opens diagnoses, colours differ, logs cannot run code, every verdict has a word.
// npm test's pretest installs Chromium on Debian as root; without /usr/bin/chromium these tests are skipped.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveChromium, launch, skipReason, VERDICT_WORDS, watchedPage } from "../../test/chromium.ts";
import { siteRun } from "../../test/site-data.ts";
import { CELLS, sampleResults } from "./fixtures.ts";
import { writeReports } from "./write.ts";

if (!haveChromium) console.warn(`html.chromium.process.test.ts: skipping the browser tests, ${skipReason}`);
const title = haveChromium ? "matrix.html in headless Chromium" : `matrix.html in headless Chromium — ${skipReason}`;

describe.skipIf(!haveChromium)(title, () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];
  const results = sampleResults();
  const anchorOf = (id: string) => `cell-${results.cells.findIndex((c) => c.spec.id === id)}`;
  const td = (id: string) => page.locator(`td[data-cell-id="${id}"]`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-html-"));
    await writeReports(dir, results);
    browser = await launch();
    page = await watchedPage(browser, problems);
    await page.goto(pathToFileURL(join(dir, "matrix.html")).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads without errors, CSP violations or network requests", async () => {
    expect(await page.title()).toBe("s2s-matrix: ❌ 3 of 9 cells unexpected");
    expect(problems).toEqual([]);
  });

  it("colours federates, fails, error and flaky cells differently", async () => {
    const bg = (id: string) => td(id).evaluate((el) => getComputedStyle(el).backgroundColor);
    const colours = await Promise.all([CELLS.external, CELLS.failsLong, CELLS.error, CELLS.flaky].map((c) => bg(c.spec.id)));
    expect(new Set(colours).size).toBe(4);
    expect(colours).not.toContain("rgba(0, 0, 0, 0)");
    // Unexpected cells carry an extra outline.
    const shadow = (id: string) => td(id).evaluate((el) => getComputedStyle(el).boxShadow);
    expect(await shadow(CELLS.unexpected.spec.id)).not.toBe("none");
    expect(await shadow(CELLS.external.spec.id)).toBe("none");
  });

  it("opens a failed cell's diagnosis with its raw log lines on click", async () => {
    const diag = page.locator(`#${anchorOf(CELLS.failsLong.spec.id)}`);
    const log = diag.locator("pre.log");
    expect(await log.isVisible()).toBe(false);
    await td(CELLS.failsLong.spec.id).locator("a").click();
    await expect.poll(() => log.isVisible()).toBe(true);
    expect(await log.innerText()).toBe("ejabberd: TLS handshake with a1.example failed\nprosody: s2sin: peer certificate lacks serverAuth");
    // A cell that met its expectation: its id in the summary line, the facts below.
    expect(await diag.locator("summary").innerText()).toContain(CELLS.failsLong.spec.id);
    const facts = await diag.locator("dl.fields").innerText();
    expect(facts).toMatch(/Expected\s+fails \(rule: default\)/);
    expect(facts).toMatch(/Reason\s+TLS alert \| handshake failure: peer certificate lacks the serverAuth EKU/);
    expect(await diag.evaluate((el) => el.getBoundingClientRect().top < window.innerHeight)).toBe(true);
  });

  it("shows a <script> from the logs as text and never runs it", async () => {
    const diag = page.locator(`#${anchorOf(CELLS.asymmetric.spec.id)}`);
    await td(CELLS.asymmetric.spec.id).locator("a").click();
    await expect.poll(() => diag.locator("pre.log").isVisible()).toBe(true);
    expect(await diag.locator("pre.log").innerText()).toContain('<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await diag.locator("script, img").count()).toBe(0);
  });

  it("opens a diagnosis from a #cell link in the URL", async () => {
    const anchor = anchorOf(CELLS.flaky.spec.id);
    await page.goto(`${pathToFileURL(join(dir, "matrix.html")).href}#${anchor}`);
    await expect.poll(() => page.locator(`#${anchor}`).evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  });

  it("junit.xml is well-formed for Chromium's XML parser", async () => {
    const xml = await readFile(join(dir, "junit.xml"), "utf8");
    const verdict = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      const err = doc.querySelector("parsererror");
      return err ? err.textContent : doc.querySelectorAll("testcase").length;
    }, xml);
    expect(verdict).toBe(9);
  });

  it("every verdict carries a word, not an emoji alone (Debian's Chromium has no emoji font)", async () => {
    // Many combinations (a real run of one pair over 30): the overview's counts and the folded tables' summaries too.
    const many = siteRun("prosody-13.0.7-ejabberd-26.07");
    const manyDir = await mkdtemp(join(tmpdir(), "s2s-html-many-"));
    try {
      for (const [run, where] of [[results, dir], [many, manyDir]] as const) {
        if (where === manyDir) await writeReports(manyDir, run);
        await page.goto(pathToFileURL(join(where, "matrix.html")).href);
        const verdicts = page.locator("h1, td.cell a, table.overview td, details.combo > summary, details.diag > summary");
        // textContent: the cells of a folded combination are hidden until it opens.
        const texts = await verdicts.evaluateAll((els) => els.map((e) => e.textContent ?? ""));
        expect(texts.length).toBeGreaterThan(0);
        expect(texts.filter((t) => !VERDICT_WORDS.test(t))).toEqual([]);
      }
    } finally {
      await rm(manyDir, { recursive: true, force: true });
    }
  });
});
