// `npm test` runs every shipped scenario on real servers: each cell is a test
// named `initiator → receiver [certificate, dialback]`, so a red test names the pair.
// The same run is the shared mode of the mode-agreement tests (test/mode-agreement.ts).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { judge } from "../core/judge.ts";
import { prepare, type Prepared } from "../harness/inputs.ts";
import { runMatrix, type MatrixRun } from "../harness/matrix.ts";
import { collectServers } from "../harness/named-servers.ts";
import type { CellResult } from "../core/types.ts";
import { writeReports } from "../harness/report/write.ts";
import { cellId } from "../core/label.ts";
import { describeModeAgreement } from "../test/mode-agreement.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

/** `A → B` for every two different servers: an --only filter keeping the pairs among them. */
const pairsAmong = (servers: string[]): string[] => servers.flatMap((a) => servers.filter((b) => b !== a).map((b) => `${a} → ${b}`));

// A scenario too long for every test run is tested on a representative part; the
// whole of it runs with `npx s2s-matrix run scenarios/<file>`.
const SUBSETS: Record<string, string[]> = {
  // 1680 cells over eight servers. The pairs among Prosody 13.0.7, ejabberd 23.01,
  // ejabberd 26.07 and jabberd2 2.7.0 (360 cells) meet every rule but Prosody 0.12's
  // wording of a self-signed certificate: every family as initiator and receiver,
  // ejabberd on both sides of its 25.07 change, every profile on each side, dialback
  // off and on. Prosody 13.0.1/13.0.8 and ejabberd 24.12 behave as 13.0.7 and 23.01 do.
  "certificate-profiles.yaml": pairsAmong(["prosody@13.0.7", "ejabberd@23.01", "ejabberd@26.07", "jabberd2@2.7.0"]),
  // 1344 cells over eight servers. The pairs among Prosody 13.0.7 and ejabberd 23.01 and
  // 26.07, and jabberd2 against Prosody both ways (192 cells): every family on each
  // side, ejabberd on both sides of 25.07, each of the six profiles on each side.
  "letsencrypt-profiles.yaml": [
    ...pairsAmong(["prosody@13.0.7", "ejabberd@23.01", "ejabberd@26.07"]),
    "jabberd2@2.7.0 → prosody@13.0.7",
    "prosody@13.0.7 → jabberd2@2.7.0",
  ],
  // 256 cells over eight servers: the README's first command runs them all (and CI, before
  // npm test). Here the pairs among Prosody 0.12.3 and 13.0.7, ejabberd 23.01 and 26.07
  // and jabberd2, and the self-pairs smoke.yaml needs (Prosody 0.12.3, ejabberd 23.01)
  // and jabberd2's (quiet containers of its own): 92 cells, ten containers instead of 18.
  // Prosody 13.0.1/13.0.8 and ejabberd 24.12 meet the rules 13.0.7 and 23.01 meet.
  "letsencrypt-2026.yaml": [
    ...pairsAmong(["prosody@0.12.3", "prosody@13.0.7", "ejabberd@23.01", "ejabberd@26.07", "jabberd2@2.7.0"]),
    ...["prosody@0.12.3", "ejabberd@23.01", "jabberd2@2.7.0"].map((s) => `${s} → ${s}`),
  ],
};

// Cells the servers' logs decide (#24): jabberd2's dialback key cannot be checked, as
// Prosody cannot connect back to jabberd2 (jabberd2 refuses its server-only certificate
// as a TLS client). Nothing bounces: before the evidence path it waited the whole 15 s.
const DECIDED_BY_LOG: Record<string, { id: string; evidence: RegExp }[]> = {
  "letsencrypt-2026.yaml": [
    { id: "jabberd2@2.7.0 → prosody@13.0.7 [server-only, dialback on]", evidence: /^\[prosody@13\.0\.7#\d+\] .*because of failed outgoing connection to c\d+-a\.example$/ },
  ],
};

// A scenario whose every cell (servers, certificates, dialback) is a cell of another is judged
// against its own expectations on that run's measurements, without booting servers of its own.
const JUDGED_ON: Record<string, string> = { "smoke.yaml": "letsencrypt-2026.yaml" };

const prepared = new Map(await Promise.all(files.map(async (f) => [f, await prepare({ scenarioFiles: [join(dir, f)], only: SUBSETS[f] })] as const)));

/** The files whose cells run; the others are judged on a run's cells (JUDGED_ON). */
const running = files.filter((f) => !JUDGED_ON[f]);
let all: Promise<MatrixRun> | undefined;

/**
 * One run of every running file's cells, as `s2s-matrix run a.yaml b.yaml …` runs them:
 * each server boots once for all of them (one run per file booted Prosody 13.0.7,
 * ejabberd 23.01 and jabberd2 three times), and one run has one tail, not three.
 */
function runAll(): Promise<MatrixRun> {
  all ??= (async () => {
    const parts = running.map((f) => prepared.get(f)!);
    const scenarios = parts.flatMap((p) => p.scenarios);
    const combined: Prepared = { scenarios, cells: parts.flatMap((p) => p.cells), servers: collectServers(scenarios) };
    const run = await runMatrix(combined, { scenarioFiles: running, log: (s) => process.stderr.write(`[shipped] ${s}\n`) });
    // The matrix of the test run, for CI artifacts and for a look after a red test.
    await writeReports(join("s2s-matrix-report", "shipped-scenarios"), run.results);
    return run;
  })();
  return all;
}

// The rules a subset's cells do not meet, and why that is accepted: the whole scenario's run
// (`npx s2s-matrix run scenarios/<file>`) meets them.
const UNMET: Record<string, Record<string, string>> = {
  "certificate-profiles.yaml": {
    "expect.rules[14]": "Prosody 0.12's wording of a self-signed certificate (receiver)",
    "expect.rules[31]": "Prosody 0.12's wording of a self-signed certificate (initiator)",
  },
  "letsencrypt-profiles.yaml": {
    "expect.rules[25]": "ejabberd → jabberd2 by dialback",
    "expect.rules[32]": "ejabberd → jabberd2, wildcard-mismatch, by dialback",
    "expect.rules[33]": "jabberd2 → ejabberd's wildcard-mismatch certificate, by dialback",
  },
};

// A subset stands for its scenario as far as its cells meet the rules the whole scenario's do.
describe("the subsets of the shipped scenarios", () => {
  test.each(Object.keys(SUBSETS))("%s: the subset's cells meet every rule of the expect block but the ones listed", async (file) => {
    const rulesOf = (cells: { expected: { source: string } }[]) => new Set(cells.map((c) => c.expected.source));
    const met = rulesOf(prepared.get(file)!.cells);
    const whole = await prepare({ scenarioFiles: [join(dir, file)] });
    expect([...rulesOf(whole.cells)].filter((r) => !met.has(r)).sort()).toEqual(Object.keys(UNMET[file] ?? {}).sort());
  });
});

for (const file of files) {
  const { scenarios, cells } = prepared.get(file)!;
  const source = JUDGED_ON[file];
  describe(`scenario ${file}: ${scenarios[0].name}${source ? ` (judged on ${source}'s run)` : ""}`, () => {
    /** This file's cells in the run (for a judged file: its source's), by id. */
    let mine: Map<string, CellResult>;
    beforeAll(async () => {
      const run = await runAll();
      const from = prepared.get(source ?? file)!.scenarios[0].name;
      mine = new Map(run.results.cells.filter((c) => c.spec.scenario === from).map((c) => [source ? cellId(c.spec.initiator, c.spec.receiver) : c.spec.id, c]));
    }, 1_200_000);

    cells.forEach((cell) => {
      test(cell.id, () => {
        const r = mine.get(source ? cellId(cell.initiator, cell.receiver) : cell.id);
        expect(r, `${source ?? file}'s run has no cell ${cell.id}`).toBeDefined();
        const verdict = source ? judge(cell.expected, r!) : r!;
        expect(verdict.asExpected, `${verdict.mismatch ?? ""}\nreason: ${r!.reason ?? "-"}\n${r!.logs.slice(-20).join("\n")}`).toBe(true);
      });
    });

    for (const known of DECIDED_BY_LOG[file] ?? []) {
      test(`${known.id} is decided by the servers' log line, not the timeout`, () => {
        const r = mine.get(known.id)!;
        expect(r.decided, r.logs.join("\n")).toBe("log");
        expect(r.evidence).toMatch(known.evidence);
      });
    }
  });
}

// Some of the run's cells again, isolated and through the capture relay: the same verdicts.
describeModeAgreement(runAll);
