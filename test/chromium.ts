// Debian's Chromium (/usr/bin/chromium, which pretest installs) driven by playwright-core:
// no browser download. One launcher for every browser test; each page is watched for
// console errors, page errors and requests that fail or leave the file system.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Whether the browser tests can run here; when not, the reason for the skipped test's title. */
export const haveChromium = existsSync(CHROMIUM);
export const skipReason = `SKIPPED: ${CHROMIUM} absent (apt-get install -y chromium, or npm test's pretest on Debian as root)`;

export const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: ARGS });

/** A new page whose problems (console errors, page errors, failed or non-file requests) land in `problems`. */
export async function watchedPage(browser: Browser, problems: string[], viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => !r.url().startsWith("file:") && problems.push(`request: ${r.url()}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  return page;
}

/** axe-core's serious and critical violations on the page, one line each (axe's source injected as a script). */
export async function axeViolations(page: Page): Promise<string[]> {
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // The site's CSP forbids scripts: evaluate() runs in the page's world regardless of CSP.
  await page.evaluate(source);
  const result = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  })) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes, e.g. ${v.nodes[0]?.target.join(" ")})`);
}

/** Words a verdict may carry; a verdict element whose text has none of them rests on its mark alone. */
export const VERDICT_WORDS = /\b(federates|one-way|fails|error|flaky|accepted|refused|partly|undecided|not tested|dialback only|as expected|unexpected)\b/;
