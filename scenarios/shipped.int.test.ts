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

for (const file of files) {
  const prepared = await prepare({ scenarioFiles: [join(dir, file)] });
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
  });
}
