// Writes every report of a run into one directory.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResults } from "../types.ts";
import { compareBaseline, renderBaselineMarkdown } from "./baseline.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";

export const REPORT_FILES = ["results.json", "matrix.md", "matrix.html", "junit.xml"] as const;

/** Returns the paths written, in REPORT_FILES order. A baseline adds a comparison to matrix.md. */
export async function writeReports(dir: string, results: RunResults, baseline?: RunResults): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  let markdown = renderMarkdown(results);
  if (baseline) markdown += `\n${renderBaselineMarkdown(compareBaseline(results, baseline), `baseline run ${baseline.runId}`)}`;
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    "results.json": renderJson(results),
    "matrix.md": markdown,
    "matrix.html": renderHtml(results),
    "junit.xml": renderJunit(results),
  };
  const files = REPORT_FILES.map((name) => join(dir, name));
  await Promise.all(REPORT_FILES.map((name, i) => writeFile(files[i], contents[name], "utf8")));
  return { files };
}
