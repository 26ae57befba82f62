// The site in Debian's Chromium (test/chromium.ts): every page loads without errors or
// requests, every link resolves, the overview fits a phone and a laptop, axe finds nothing
// serious, every verdict carries a word. The site is built from real runs (test/site-data.ts:
// the merged certificate-profiles run, two older ones as history); only the escaping check
// has a synthesized run of its own. Screenshots go to a directory printed below.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, haveChromium, launch, skipReason, VERDICT_WORDS, watchedPage } from "../../test/chromium.ts";
import { SITE_RUNS, siteRun } from "../../test/site-data.ts";
import { sampleResults } from "../report/fixtures.ts";
import { siteFiles } from "./build.ts";
import { evidencePath } from "./data.ts";
import type { SiteRun } from "./model.ts";

const RUNS: SiteRun[] = SITE_RUNS.map((name) => ({ file: `${name}.json`, results: siteRun(name) }));
/** The merged run's server versions, as its cells name them. */
const VERSIONS = new Set(siteRun("certificate-profiles").cells.flatMap((c) => [c.spec.initiator.server, c.spec.receiver.server]));
/** The synthesized run's cell with markup in its log is received by this version (harness/report/fixtures.ts). */
const XSS_RECEIVER = "ejabberd@23.01";

async function writeSite(dir: string, runs: SiteRun[]): Promise<void> {
  for (const [path, content] of siteFiles(runs)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

const title = haveChromium ? "the site in headless Chromium" : `the site in headless Chromium — ${skipReason}`;

describe.skipIf(!haveChromium)(title, () => {
  let browser: Browser;
  let dir: string;
  let shots: string;
  const url = (path: string) => pathToFileURL(join(dir, path)).href;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-site-"));
    await writeSite(dir, RUNS);
    await writeSite(join(dir, "xss"), [{ file: "sample.json", results: sampleResults() }]);
    shots = process.env.S2S_SITE_SHOTS ?? (await mkdtemp(join(tmpdir(), "s2s-site-shots-")));
    await mkdir(shots, { recursive: true });
    console.log(`site screenshots: ${shots}`);
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("every page loads without errors or requests, and every link resolves", async () => {
    const problems: string[] = [];
    const page = await watchedPage(browser, problems);
    const ids = new Map<string, Set<string>>(); // page → its element ids
    const fragments: { from: string; page: string; id: string }[] = [];
    const queue = ["index.html"];
    while (queue.length) {
      const path = queue.shift()!;
      if (ids.has(path)) continue;
      await page.goto(url(path));
      ids.set(path, new Set(await page.locator("[id]").evaluateAll((els) => els.map((e) => e.id))));
      const hrefs = await page.locator("a[href]").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const href of new Set(hrefs)) {
        const target = new URL(href);
        expect(target.protocol, `${path} links to ${href}`).toBe("file:");
        const file = fileURLToPath(target);
        expect(existsSync(file), `${path} links to ${href}`).toBe(true);
        const rel = file.slice(dir.length + 1);
        if (!rel.endsWith(".html")) continue;
        if (target.hash) fragments.push({ from: path, page: rel, id: decodeURIComponent(target.hash.slice(1)) });
        queue.push(rel);
      }
    }
    const seen = ids;
    const anchors = fragments.length;
    expect(fragments.filter((f) => !ids.get(f.page)?.has(f.id)).map((f) => `${f.from} links to ${f.page}#${f.id}: no such id`)).toEqual([]);
    expect(problems).toEqual([]);
    // Overview, history, each version of the merged run with its evidence.
    expect(seen.size).toBe(2 + VERSIONS.size * 2);
    expect(anchors).toBeGreaterThan(0);
  }, 600_000);

  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    it(`the overview is usable at ${viewport.width}×${viewport.height}: no sideways scrolling of the page, navigation and versions in view`, async () => {
      const problems: string[] = [];
      const page = await watchedPage(browser, problems, viewport);
      await page.goto(url("index.html"));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      for (const name of ["Overview", "History"]) {
        const box = await page.getByRole("link", { name, exact: true }).boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
        expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
      }
      // The first role table's version links are on screen once scrolled to (not cut off sideways).
      const first = page.locator("#receiver + .scroll tbody th a").first();
      await first.scrollIntoViewIfNeeded();
      const box = await first.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: join(shots, `overview-${viewport.width}x${viewport.height}.png`) });
      const paint = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime);
      console.log(`overview at ${viewport.width}×${viewport.height}: first contentful paint ${paint?.toFixed(0)} ms`);
      expect(problems).toEqual([]);
    });
  }

  it("axe-core finds no serious or critical violation on the overview, a version page, its evidence and the history, and on a phone", async () => {
    const page = await watchedPage(browser, []);
    const found: string[] = [];
    for (const path of ["index.html", "v/ejabberd-26.07.html", "v/ejabberd-26.07.evidence.html", "history.html"]) {
      await page.goto(url(path));
      found.push(...(await axeViolations(page)).map((v) => `${path}: ${v}`));
    }
    // On a phone the tables scroll sideways inside their regions, which must then be reachable by keyboard.
    const phone = await watchedPage(browser, [], { width: 390, height: 844 });
    for (const path of ["index.html", "v/ejabberd-26.07.html"]) {
      await phone.goto(url(path));
      found.push(...(await axeViolations(phone)).map((v) => `${path} at 390 px: ${v}`));
    }
    await page.goto(url("v/ejabberd-26.07.html"));
    await page.screenshot({ path: join(shots, "version-ejabberd-26.07.png"), fullPage: false });
    expect(found).toEqual([]);
    // A bound, not a speed check: axe walks an evidence page of hundreds of cells, slowly on a busy machine.
  }, 600_000);

  it("every verdict carries a word, also without an emoji font", async () => {
    const page = await watchedPage(browser, []);
    for (const path of ["index.html", "v/prosody-13.0.7.html"]) {
      await page.goto(url(path));
      const texts = await page.locator(".v").allInnerTexts();
      expect(texts.length).toBeGreaterThan(10);
      expect(texts.filter((t) => !VERDICT_WORDS.test(t))).toEqual([]);
    }
  });

  it("the history names each run; the logs' markup stays text", async () => {
    const page = await watchedPage(browser, []);
    await page.goto(url("history.html"));
    const history = await page.locator("main").innerText();
    for (const r of RUNS) expect(history).toContain(`run ${r.results.runId}`);
    await page.goto(url(`xss/${evidencePath(XSS_RECEIVER)}`));
    expect(await page.locator("main").innerText()).toContain('<script>window.__pwned = 1</script>');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("main script, main img").count()).toBe(0);
  });
});
