// Every command that reads a results.json (run --baseline and --resume, merge,
// site, update-expectations) reads it here: as JSON, then against
// results.schema.json, and a mistake is said the same way whoever read it.
import { readFile } from "node:fs/promises";
import { UsageError } from "../../core/errors.ts";
import type { RunResults } from "../../core/types.ts";
import { resultsProblems } from "./validate.ts";

export interface ResultsReader {
  /** How messages name the file, e.g. `--resume out/results.json`, `merge: shard-1/results.json`. */
  name: string;
  /** What to give instead, after "give": `the results.json of each shard run`. */
  give: string;
}

/** JSON text, parsed; else a UsageError (exit 2) with the file, JSON's words and what to give. */
export function parseJson(text: string, { name, give }: ResultsReader): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: cannot read it as JSON (${(e as Error).message}); give ${give}`);
  }
}

/** Parsed JSON checked against results.schema.json; else a UsageError (exit 2) with its first problems and the fix. */
export function checkResults(data: unknown, { name, give }: ResultsReader): RunResults {
  // Its fields reach reports, HTML and the CI's annotations: nothing unchecked gets there.
  const problems = resultsProblems(data);
  if (problems.length) {
    const shown = problems.slice(0, 5).map((p) => `  ${p}`);
    if (problems.length > 5) shown.push(`  … and ${problems.length - 5} more`);
    throw new UsageError(`${name}: not an s2s-matrix results.json (it does not match results.schema.json):\n${shown.join("\n")}\n  fix: give ${give}, unedited`);
  }
  return data as RunResults;
}

/** The text of a results.json, parsed and checked (parseJson, checkResults). */
export const parseResults = (text: string, reader: ResultsReader): RunResults => checkResults(parseJson(text, reader), reader);

/** A results.json file, read and checked (parseResults); a file that cannot be read is said the same way. */
export async function readResults(file: string, reader: ResultsReader): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`${reader.name}: cannot read it (${(e as Error).message}); give ${reader.give}`);
  }
  return parseResults(text, reader);
}
