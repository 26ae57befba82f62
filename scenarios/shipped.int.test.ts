// `npm test` runs every shipped scenario on real servers: each cell is a test
// named `initiator → receiver [certificate, dialback]`, so a red test names the pair.
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { prepare, runMatrix, type MatrixRun } from "../harness/matrix.ts";
import { writeReports } from "../harness/report/write.ts";

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
  // off and on. Prosody 13.0.1/13.0.6 and ejabberd 24.12 behave as 13.0.7 and 23.01 do.
  "certificate-profiles.yaml": pairsAmong(["prosody@13.0.7", "ejabberd@23.01", "ejabberd@26.07", "jabberd2@2.7.0"]),
  // 1344 cells over eight servers. The pairs among Prosody 13.0.7 and ejabberd 23.01 and
  // 26.07, and jabberd2 against Prosody both ways (192 cells): every family on each
  // side, ejabberd on both sides of 25.07, each of the six profiles on each side.
  "letsencrypt-profiles.yaml": [
    ...pairsAmong(["prosody@13.0.7", "ejabberd@23.01", "ejabberd@26.07"]),
    "jabberd2@2.7.0 → prosody@13.0.7",
    "prosody@13.0.7 → jabberd2@2.7.0",
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

for (const file of files) {
  const prepared = await prepare({ scenarioFiles: [join(dir, file)], only: SUBSETS[file] });
  describe(`scenario ${file}: ${prepared.scenarios[0].name}`, () => {
    let run: MatrixRun;
    beforeAll(async () => {
      run = await runMatrix(prepared, { scenarioFiles: [file], log: (s) => process.stderr.write(`[${file}] ${s}\n`) });
      // The matrix of the test run, for CI artifacts and for a look after a red test.
      await writeReports(join("s2s-matrix-report", basename(file, ".yaml")), run.results);
    }, 1_200_000);

    prepared.cells.forEach((cell, i) => {
      test(cell.id, () => {
        const r = run.results.cells[i];
        expect(r.spec.id).toBe(cell.id);
        expect(r.asExpected, `${r.mismatch ?? ""}\nreason: ${r.reason ?? "-"}\n${r.logs.slice(-20).join("\n")}`).toBe(true);
      });
    });

    for (const known of DECIDED_BY_LOG[file] ?? []) {
      test(`${known.id} is decided by the servers' log line, not the timeout`, () => {
        const r = run.results.cells.find((c) => c.spec.id === known.id)!;
        expect(r.decided, r.logs.join("\n")).toBe("log");
        expect(r.evidence).toMatch(known.evidence);
      });
    }
  });
}
