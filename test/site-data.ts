// Real runs of the shipped certificate-profiles scenario, the site's test data
// (test/data/site/README.md says which command made each): results.json files
// brotli-compressed, each checked against results.schema.json as it is read, so a
// schema change that leaves them behind fails here by name, not somewhere in a page.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync } from "node:zlib";
import type { RunResults } from "../core/types.ts";
import { resultsProblems } from "../harness/report/validate.ts";

export const SITE_DATA = fileURLToPath(new URL("./data/site/", import.meta.url));

/** The runs, oldest first: two small ones (the history) and the merged run of both shards. */
export const SITE_RUNS = ["wrong-name", "prosody-13.0.7-ejabberd-26.07", "certificate-profiles"] as const;
export type SiteRunName = (typeof SITE_RUNS)[number];

const fileOf = (name: SiteRunName) => join(SITE_DATA, `${name}.results.json.br`);
const text = (name: SiteRunName) => brotliDecompressSync(readFileSync(fileOf(name))).toString("utf8");

const cache = new Map<SiteRunName, RunResults>();

/** One run's results.json, schema-checked (read once per test file). */
export function siteRun(name: SiteRunName): RunResults {
  const known = cache.get(name);
  if (known) return known;
  const data: unknown = JSON.parse(text(name));
  const problems = resultsProblems(data);
  if (problems.length) throw new Error(`${fileOf(name)} is no longer a valid results.json (regenerate it, see test/data/site/README.md): ${problems.slice(0, 5).join("; ")}`);
  cache.set(name, data as RunResults);
  return data as RunResults;
}

/** The run written to `dir` as a plain results.json (for the CLI and the workflow); its path. */
export function writeSiteRun(name: SiteRunName, dir: string, file = `${name}.json`): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  siteRun(name); // checked
  writeFileSync(path, text(name));
  return path;
}
