import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sampleResults } from "./fixtures.ts";
import { parseResults, readResults } from "./read-results.ts";

const reader = { name: "merge: shard-2/results.json", give: "the results.json of each shard run" };
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error & { exitCode?: number };
  }
  throw new Error("expected a UsageError");
};

describe("parseResults: one way to read a results.json", () => {
  it("a valid run's results come back as they were", () => {
    const results = sampleResults();
    expect(parseResults(JSON.stringify(results), reader)).toEqual(results);
  });

  it("text that is not JSON: exit 2, the file named, JSON's own words and what to give", () => {
    const e = failure(() => parseResults("{ nope", reader));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^merge: shard-2\/results\.json: cannot read it as JSON \(.+\); give the results\.json of each shard run$/);
  });

  it("JSON that breaks the schema: each field named, five at most and a count of the rest, then the fix", () => {
    const results = sampleResults();
    const cells = results.cells.slice(0, 7).map((c) => ({ ...c, outcome: "great" }));
    const e = failure(() => parseResults(JSON.stringify({ ...results, cells }), reader));
    expect(e.exitCode).toBe(2);
    const lines = e.message.split("\n");
    expect(lines[0]).toBe("merge: shard-2/results.json: not an s2s-matrix results.json (it does not match results.schema.json):");
    expect(lines.slice(1, 6).every((l) => /^ {2}cells\[\d\]\.outcome: /.test(l))).toBe(true);
    expect(lines[6]).toBe("  … and 2 more");
    expect(lines[7]).toBe("  fix: give the results.json of each shard run, unedited");
  });
});

describe("readResults", () => {
  const dir = mkdtempSync(join(tmpdir(), "s2s-read-results-"));

  it("reads and checks a file", async () => {
    const file = join(dir, "results.json");
    writeFileSync(file, JSON.stringify(sampleResults()));
    expect((await readResults(file, { name: file, give: "a run's results.json" })).cells.length).toBe(sampleResults().cells.length);
  });

  it("a file that is not there: exit 2 with the system's words", async () => {
    const file = join(dir, "missing.json");
    await expect(readResults(file, { name: `--resume ${file}`, give: "a run's results.json" })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(new RegExp(`^--resume ${file}: cannot read it \\(ENOENT.*\\); give a run's results\\.json$`)),
    });
  });
});
