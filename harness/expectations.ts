// Expectations written from a run (snapshot testing, as vitest users know it):
// `s2s-matrix expect <results.json>` prints the `expect:` block its cells meet, and
// `run --update-expectations` writes that block into the scenario file in place of
// its own, everything else in the file kept byte for byte, and shows the diff.
import { readFile, rename, writeFile } from "node:fs/promises";
import { createTwoFilesPatch } from "diff";
import { UsageError } from "../core/errors.ts";
import type { RunResults, ScenarioFindings } from "../core/types.ts";
import { deriveFindings } from "./report/findings/derive.ts";
import { expectBlock } from "./report/findings/expect-block.ts";
import { readResults } from "./report/read-results.ts";
import { replaceExpectBlock } from "../scenarios/expect-block.ts";
import { cleanText } from "../core/text.ts";

/** A results.json, checked against its schema; a UsageError (exit 2) names what is wrong. */
export const readRunResults = (file: string): Promise<RunResults> => readResults(file, { name: file, give: "the results.json of an s2s-matrix run" });

/** One `expect:` block per scenario of the run; several are each headed by the scenario's name. */
export function expectBlocks(results: Pick<RunResults, "scenarios" | "cells">): string {
  const findings = deriveFindings(results);
  if (findings.length === 1) return expectBlock(findings[0]);
  return findings.map((f) => `# scenario: ${cleanText(f.scenario).replace(/\s+/g, " ")}\n${expectBlock(f)}`).join("\n");
}

export interface Update {
  file: string;
  /** A unified diff of the file, empty when the block was already the one written. */
  diff: string;
  findings: ScenarioFindings;
}

/** Writes the `expect:` block `findings` give into the scenario file `file`; returns the diff. */
export async function updateExpectations(file: string, findings: ScenarioFindings): Promise<Update> {
  const text = await readFile(file, "utf8");
  const updated = replaceExpectBlock(text, expectBlock(findings));
  if (updated === undefined) throw new UsageError(`${file}: no top-level expect: block found to replace; add one (expect: {default: federates}) and run again`);
  if (updated === text) return { file, diff: "", findings };
  // Written beside it and renamed over it: the file is never half written.
  const tmp = `${file}.s2s-matrix-${process.pid}.tmp`;
  await writeFile(tmp, updated, "utf8");
  await rename(tmp, file);
  return { file, diff: createTwoFilesPatch(file, file, text, updated, "before", "after (run --update-expectations)"), findings };
}
