import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { mergeShards, readShardResults, type ShardResults } from "./merge.ts";
import { summarize } from "./report/summary.ts";
import { renderMarkdown } from "./report/markdown.ts";
import { sampleResults } from "./report/fixtures.ts";
import { selectShard, stampShard } from "./shard.ts";
import type { RunResults } from "../core/types.ts";
import { renderJson } from "./report/json.ts";

const schema = JSON.parse(readFileSync(new URL("./report/results.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

const WHOLE = sampleResults();

/** The whole sample run as if run with --shard 1/n … n/n, one results.json each. */
function shardsOf(whole: RunResults, n: number): ShardResults[] {
  const specs = whole.cells.map((c) => c.spec);
  return Array.from({ length: n }, (_, i) => {
    const sel = selectShard(specs, { index: i + 1, count: n });
    const cells = whole.cells.filter((c) => sel.shard.cells.includes(c.spec));
    const startedAt = new Date(Date.parse(whole.startedAt) + i * 60_000).toISOString();
    const r = stampShard({ ...whole, runId: `shard-run-${i + 1}`, startedAt, durationMs: 30_000, cells, summary: summarize(cells) }, sel);
    return { file: `shard-${i + 1}/results.json`, results: structuredClone(r) };
  });
}

const refusal = (inputs: ShardResults[]) => {
  try {
    mergeShards(inputs, "merged-run");
  } catch (e) {
    expect((e as { exitCode?: number }).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error("merge did not refuse");
};

describe("mergeShards", () => {
  it("gives back the whole run cell for cell, in its order, each cell naming its shard", () => {
    const shards = shardsOf(WHOLE, 3);
    const merged = mergeShards([shards[2], shards[0], shards[1]], "merged-run");
    expect(merged.cells.map((c) => [c.spec, c.outcome, c.auth, c.asExpected])).toEqual(WHOLE.cells.map((c) => [c.spec, c.outcome, c.auth, c.asExpected]));
    // The sample's nine cells, counted by hand (see summarize's test).
    expect(merged.summary).toEqual({ total: 9, asExpected: 6, unexpected: 3, errors: 2, flaky: 1, oneWay: 1, retried: 0 });
    for (const s of shards) for (const c of s.results.cells) expect(merged.cells.find((m) => m.spec.id === c.spec.id)?.shard?.index).toBe(s.results.shard!.index);
    expect(merged.merged?.shards.map((s) => [s.index, s.runId, s.cells])).toEqual(shards.map((s) => [s.results.shard!.index, s.results.runId, s.results.cells.length]));
    expect(merged.shard).toBeUndefined();
    // From the first shard's start to the last one's end (they ran one after another here).
    expect(merged.startedAt).toBe(WHOLE.startedAt);
    expect(merged.durationMs).toBe(2 * 60_000 + 30_000);
    // The matrix reads the same as the whole run's (the header names another run).
    const body = (r: RunResults) => renderMarkdown(r).split("\n").slice(5).join("\n");
    expect(body(merged)).toBe(body(WHOLE));
  });

  it("shard results and the merged results validate against results.schema.json", () => {
    const shards = shardsOf(WHOLE, 3);
    for (const r of [...shards.map((s) => s.results), mergeShards(shards, "m")]) {
      expect(validate(JSON.parse(renderJson(r))), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
  });

  it("one shard of one is the whole run", () => {
    expect(mergeShards(shardsOf(WHOLE, 1), "m").cells).toHaveLength(WHOLE.cells.length);
  });

  it("refuses a whole run's results (no --shard)", () => {
    expect(refusal([{ file: "whole/results.json", results: WHOLE }])).toMatch(/whole\/results\.json is the results of a whole run, not of a shard/);
  });

  it("refuses results of different harness versions, naming each", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[1].results.harnessVersion = "0.2.0";
    expect(refusal(shards)).toMatch(/different harness versions \(shard-1\/results\.json: 0\.1\.0; shard-2\/results\.json: 0\.2\.0\)/);
  });

  it("refuses results of different scenarios, naming each", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[1].results.scenarios = ["other"];
    expect(refusal(shards)).toMatch(/different scenarios \(shard-1\/results\.json: \["smoke"\]; shard-2\/results\.json: \["other"\]\)/);
  });

  it("refuses shards of the same scenario name whose cells differ (changed file, --only, --servers)", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[1].results.shard!.digest = "sha256:other";
    expect(refusal(shards)).toMatch(/different cell sets .*shard-2\/results\.json: 9 cells, sha256:other/);
  });

  it("refuses different isolation modes", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[0].results.isolation = "container";
    expect(refusal(shards)).toMatch(/different isolation modes/);
  });

  it("refuses shards of different splits (1/2 with 2/3)", () => {
    const two = shardsOf(WHOLE, 2);
    const three = shardsOf(WHOLE, 3);
    expect(refusal([two[0], three[1]])).toMatch(/different shard counts \(shard-1\/results\.json: 2 shards; shard-2\/results\.json: 3 shards\)/);
  });

  it("refuses overlapping shards: the same shard twice", () => {
    const shards = shardsOf(WHOLE, 3);
    const again = { file: "retry/results.json", results: shards[1].results };
    expect(refusal([...shards, again])).toMatch(/overlapping shards: shard-2\/results\.json \(shard 2\/3\) and retry\/results\.json \(shard 2\/3\) are the same shard/);
  });

  it("refuses overlapping cells (a cell in two shards' results)", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[1].results.cells.push(structuredClone(shards[0].results.cells[0]));
    expect(refusal(shards)).toMatch(/overlapping shards: cell ".*" is in both shard-1\/results\.json and shard-2\/results\.json/);
  });

  it("refuses missing shards, naming them", () => {
    const shards = shardsOf(WHOLE, 4);
    expect(refusal([shards[0], shards[2]])).toMatch(/missing shards 2\/4, 4\/4 \(given: shard-1\/results\.json \(shard 1\/4\), shard-3\/results\.json \(shard 3\/4\)\)/);
  });

  it("refuses missing cells (a shard that dropped some)", () => {
    const shards = shardsOf(WHOLE, 2);
    shards[0].results.cells.pop();
    expect(refusal(shards)).toMatch(/missing cells: the shards hold 8 of the run's 9 cells/);
  });
});

describe("readShardResults", () => {
  it("refuses a shard's results.json that breaks results.schema.json, naming the file and each field (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s2s-merge-"));
    try {
      const file = join(dir, "results.json");
      const shard = JSON.parse(renderJson(shardsOf(WHOLE, 2)[0].results));
      shard.isolation = "vhost\n## forged";
      delete shard.cells[0].spec;
      writeFileSync(file, JSON.stringify(shard));
      const e = await readShardResults(file).catch((x: Error & { exitCode?: number }) => x);
      expect(e).toMatchObject({ exitCode: 2 });
      expect((e as Error).message).toMatch(new RegExp(`^merge: ${file}: not an s2s-matrix results.json \\(it does not match results.schema.json\\):\n`));
      expect((e as Error).message).toContain(`cells[0]: missing field "spec"`);
      expect((e as Error).message).toContain(`isolation: must be equal to one of the allowed values ("vhost", "container")`);
      writeFileSync(file, renderJson(shardsOf(WHOLE, 2)[0].results));
      expect((await readShardResults(file)).results.cells.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
