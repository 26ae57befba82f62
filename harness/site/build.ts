// `s2s-matrix site`: results.json files of one or more dated runs → a static site in a
// directory: index.html, history.html, v/<version>.html (+ .evidence.html), a .json per
// page and badges/<version>/<profile>.svg.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UsageError } from "../../core/errors.ts";
import { readResults } from "../report/read-results.ts";
import { siteData, type SiteRun } from "./model.ts";
import { evidence, evidencePath, jsonPath, overviewPage, pagePath, versionPage } from "./data.ts";
import { history } from "./history.ts";
import { evidenceHtml, historyHtml, overviewHtml, versionHtml } from "./render.ts";
import { badgeSvg } from "./badge.ts";

/** Reads a results.json; one that is not one is a usage error naming the file and its first problems. */
export async function readRun(file: string): Promise<SiteRun> {
  return { file, results: await readResults(file, { name: `site: ${file}`, give: "the results.json of a run or merge" }) };
}

/** Site-relative path → content, every page and file of the site. */
export function siteFiles(runs: SiteRun[]): Map<string, string> {
  const d = siteData(runs);
  const files = new Map<string, string>();
  // Compact: the size budget (5 MB for a certificate-profiles run) counts these too.
  const json = (x: unknown) => `${JSON.stringify(x)}\n`;
  const overview = overviewPage(d);
  files.set("index.html", overviewHtml(overview));
  files.set("index.json", json(overview));
  const steps = history(d.series);
  files.set("history.html", historyHtml(steps));
  files.set("history.json", json({ schema: "s2s-matrix/site-history@1", steps }));
  for (const v of d.versions) {
    const p = versionPage(d, v);
    files.set(pagePath(v), versionHtml(p));
    files.set(jsonPath(v), json(p));
    files.set(evidencePath(v), evidenceHtml(p.summary.name, evidence(d, v), `${pagePath(v).slice(2)}`));
    for (const b of p.summary.badges) files.set(b.svg, `${badgeSvg(b.label, b.verdict)}\n`);
  }
  return files;
}

export async function buildSite(inputs: string[], out: string): Promise<{ files: number; bytes: number }> {
  if (!inputs.length) throw new UsageError("site: give at least one results.json");
  const runs = await Promise.all(inputs.map(readRun));
  const files = siteFiles(runs);
  let bytes = 0;
  for (const [path, content] of files) {
    const target = join(out, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    bytes += Buffer.byteLength(content);
  }
  return { files: files.size, bytes };
}
