// One truth in every mode: the same cells run with shared virtual hosts, with a
// container per cell (--isolation container) and through the capture relay
// (--capture) get the same verdict, cell for cell (outcome, auth both ways).
// A small set, so that the isolated mode's two boots per cell stay cheap: every
// family as initiator and as receiver, every certificate profile, dialback off
// and on, and the cells the modes once disagreed on (issue #24).
// The shared mode's verdicts are those of the shipped scenarios' run
// (scenarios/shipped.int.test.ts), which has every cell below among its 644 and
// registers these tests: a second shared run of them would repeat its work.
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { prepare, type Prepared } from "../harness/inputs.ts";
import { runMatrix, type MatrixRun } from "../harness/matrix.ts";
import { scenarioCellId, modeDifferences, modeVerdict } from "../harness/modes.ts";
import type { CellResult } from "../core/types.ts";
import { ROOT } from "./reliability/helpers.ts";

const LE = join(ROOT, "scenarios/letsencrypt-2026.yaml");
const PROFILES = join(ROOT, "scenarios/certificate-profiles.yaml");

/** [scenario file, cell id]. */
export const MODE_CELLS: [string, string][] = [
  // Federated only in a busy shared container (#24): now on quiet containers in every mode.
  // Three of them, so that the shared mode's run them on one quiet pair: at once, the
  // dual-eku ones federated there; one after another (plan.ts `queue`), they fail.
  [LE, "jabberd2@2.7.0 → jabberd2@2.7.0 [dual-eku, dialback on]"],
  [LE, "jabberd2@2.7.0 → jabberd2@2.7.0 [dual-eku, dialback off]"],
  [LE, "jabberd2@2.7.0 → jabberd2@2.7.0 [server-only, dialback on]"],
  // Failed only with --capture (#24): jabberd2's dialback connection back through the
  // relay got the relay's large session tickets; prosody sends small ones.
  [LE, "prosody@13.0.7 → jabberd2@2.7.0 [dual-eku, dialback on]"],
  [PROFILES, "ejabberd@26.07 → prosody@13.0.7 [server-only→dual-eku, dialback off]"],
  [PROFILES, "jabberd2@2.7.0 → ejabberd@23.01 [dual-eku→no-eku, dialback on]"],
  [PROFILES, "prosody@13.0.7 → ejabberd@23.01 [client-only→dual-eku, dialback off]"],
  [PROFILES, "ejabberd@23.01 → jabberd2@2.7.0 [expired→dual-eku, dialback on]"],
  [PROFILES, "jabberd2@2.7.0 → prosody@13.0.7 [dual-eku→wrong-name, dialback on]"],
  [PROFILES, "prosody@13.0.7 → jabberd2@2.7.0 [untrusted→dual-eku, dialback off]"],
  [PROFILES, "jabberd2@2.7.0 → ejabberd@26.07 [self-signed→dual-eku, dialback off]"],
];


async function subset(): Promise<Prepared> {
  const prepared = await prepare({ scenarioFiles: [LE, PROFILES], only: MODE_CELLS.map(([, id]) => id) });
  const names = new Map(prepared.scenarios.map((s, i) => [[LE, PROFILES][i], s.name]));
  const wanted = new Set(MODE_CELLS.map(([file, id]) => scenarioCellId({ scenario: names.get(file)!, id })));
  return { ...prepared, cells: prepared.cells.filter((c) => wanted.has(scenarioCellId(c))) };
}

/** The modes run here; the shared one is the shipped run's. */
const OWN_MODES = [
  { mode: "isolated", isolation: "container", capture: false },
  { mode: "capture", isolation: "vhost", capture: true },
] as const;
const MODES = ["shared", ...OWN_MODES.map((m) => m.mode)];

/**
 * Registers the mode-agreement tests. `sharedRun`: a shared-mode run (retries on) whose
 * cells include every MODE_CELLS cell; a cell it ran twice counts against the shared
 * mode, as the first answer is what the other modes are compared with.
 */
export function describeModeAgreement(sharedRun: () => Promise<MatrixRun>): void {
  describe("the run modes agree", () => {
    let prepared: Prepared;
    const runs: { mode: string; cells: CellResult[] }[] = [];
    beforeAll(async () => {
      prepared = await subset();
      const wanted = new Set(prepared.cells.map(scenarioCellId));
      const shared = (await sharedRun()).results.cells.filter((c) => wanted.has(scenarioCellId(c.spec)));
      runs.push({ mode: "shared", cells: shared });
      for (const m of OWN_MODES) {
        const run = await runMatrix(prepared, {
          scenarioFiles: [LE, PROFILES],
          isolation: m.isolation,
          capture: m.capture,
          // A re-run would hide a mode's first answer.
          retryUnexpected: false,
          log: (s) => process.stderr.write(`[modes ${m.mode}] ${s}\n`),
        });
        runs.push({ mode: m.mode, cells: run.results.cells });
      }
    }, 1_200_000);

    test("the subset has every cell it names, once", () => {
      expect(prepared.cells.map((c) => c.id).sort()).toEqual(MODE_CELLS.map(([, id]) => id).sort());
    });

    test.each(MODES)("%s: every cell as its scenario expects, at the first attempt", (mode) => {
      const cells = runs.find((r) => r.mode === mode)!.cells;
      expect(cells.map((c) => scenarioCellId(c.spec)).sort()).toEqual(prepared.cells.map(scenarioCellId).sort());
      const off = cells
        .filter((c) => !c.asExpected || c.attempts.length > 1)
        .map((c) => `${c.spec.id}: ${modeVerdict(c)} (${c.attempts.length > 1 ? `${c.attempts.length} attempts; ` : ""}${c.mismatch ?? ""}; ${c.reason ?? ""})\n${c.logs.slice(-12).join("\n")}`);
      expect(off).toEqual([]);
    });

    test("the same outcome and auth both ways in every cell, in every mode", () => {
      expect(modeDifferences(runs)).toEqual([]);
    });
  });
}
