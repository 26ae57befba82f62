// The smoke scenario on real servers, once whole and once as 2 shards merged: the
// merged matrix must be the whole run's, cell for cell (outcome, auth, expectation).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { RunResults } from "../core/types.ts";
import { ROOT, runCli } from "./reliability/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-shard-"));
const SMOKE = join(ROOT, "scenarios/smoke.yaml");
const read = (d: string): RunResults => JSON.parse(readFileSync(join(dir, d, "results.json"), "utf8"));
/** What must not change between one run and a merge of shards. */
const verdict = (r: RunResults) => r.cells.map((c) => ({ id: c.spec.id, outcome: c.outcome, auth: c.auth.outbound, expected: c.spec.expected, asExpected: c.asExpected }));

describe("sharding on real servers (smoke scenario: 4 cells, 2 versions)", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("run whole, run as 2 shards + merge: the same matrix cell for cell", async () => {
    const whole = await runCli(["run", SMOKE, "--out", join(dir, "whole")], { timeoutMs: 300_000 });
    expect(whole.code, whole.stderr).toBe(0);
    // Shards one after another, as n CI jobs would run them side by side: the user's own command.
    // (Two shards, not more: each costs a CLI start and its boots; splitShards' choices for n > 2 are unit-tested.)
    for (const i of [1, 2]) {
      const r = await runCli(["run", SMOKE, "--shard", `${i}/2`, "--out", join(dir, `shard-${i}`)], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`shard ${i}/2: `);
    }
    const shards = [1, 2].map((i) => read(`shard-${i}`));
    // The split harness/shard.unit.test.ts works out by hand: the prosody cells with P↔E, then E→E
    // alone (its two ejabberd boots outweigh the rest).
    expect(shards.map((s) => s.cells.map((c) => c.spec.id))).toEqual([
      ["prosody@0.12.3 → prosody@0.12.3 [server-only, dialback off]", "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]", "ejabberd@23.01 → prosody@0.12.3 [server-only, dialback off]"],
      ["ejabberd@23.01 → ejabberd@23.01 [server-only, dialback off]"],
    ]);

    // Given out of order: the merge puts the cells back in the run's order.
    const merge = await runCli(["merge", ...[2, 1].map((i) => join(dir, `shard-${i}`, "results.json")), "--out", join(dir, "merged")], { timeoutMs: 60_000 });
    expect(merge.code, merge.stderr).toBe(0);
    for (const f of ["results.json", "matrix.md", "matrix.html", "junit.xml"]) expect(existsSync(join(dir, "merged", f)), f).toBe(true);
    const merged = read("merged");
    const single = read("whole");
    expect(verdict(merged)).toEqual(verdict(single));
    expect(merged.summary).toEqual(single.summary);
    // Every cell says which shard ran it, and that shard's results agree.
    for (const c of merged.cells) {
      const from = shards[c.shard!.index - 1];
      expect(from.cells.map((x) => x.spec.id)).toContain(c.spec.id);
    }
    expect(merged.merged?.shards.map((s) => s.runId)).toEqual(shards.map((s) => s.runId));
  }, 900_000);
});
