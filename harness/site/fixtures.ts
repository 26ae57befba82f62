// A certificate-profiles run for the site's tests, without Docker: the shipped scenario's
// 1680 cells, each ending as its expectation says (federates by EXTERNAL, or with dialback
// on by dialback), with log lines as long and as many as a real run's (le1 on 2026-12-04:
// failing cells 24.7 lines / 3.6 kB on average, federating ones 12 lines / 1.6 kB).
import { fileURLToPath } from "node:url";
import type { CellResult, CellSpec, RunResults } from "../../core/types.ts";
import { expandCells, loadScenario } from "../../scenarios/index.ts";
import { makeCell, sampleResults, XSS_LOG } from "../report/fixtures.ts";

export const CERTIFICATE_PROFILES = fileURLToPath(new URL("../../scenarios/certificate-profiles.yaml", import.meta.url));

export const XSS_RECEIVER = "prosody@13.0.7";

/** `n` log lines of about `chars` characters, written by both servers (the harness's `[server#1]` prefix). */
function logs(spec: CellSpec, n: number, chars: number): string[] {
  return Array.from({ length: n }, (_, k) => {
    const side = k % 2 ? spec.receiver : spec.initiator;
    const text = `[${side.server}#1] s2s${k} info\tline ${k} about c${k}-a.example -> c${k}-b.example `;
    return text + "x".repeat(Math.max(0, chars - text.length));
  });
}

function cell(spec: CellSpec): CellResult {
  const outcome = spec.expected.outcome;
  const dialback = spec.initiator.dialback === "on" && spec.receiver.dialback === "on";
  const failing = outcome !== "federates";
  const c = makeCell({
    i: spec.initiator,
    r: spec.receiver,
    outcome,
    auth: outcome === "fails" ? "none" : dialback && spec.expected.auth !== "external" ? "dialback" : "external",
    ...(failing ? { reason: spec.expected.reason ?? "certificate is not trusted" } : {}),
    expected: spec.expected,
    logs: failing ? logs(spec, 25, 146) : logs(spec, 12, 137),
  });
  return { ...c, spec };
}

/** The shipped certificate-profiles scenario as if run on `startedAt`, every cell as expected. */
export async function certificateProfilesRun(startedAt: string, runId: string): Promise<RunResults> {
  const scenario = await loadScenario(CERTIFICATE_PROFILES);
  const cells = expandCells(scenario).map(cell);
  // Markup in a server's log: the first failing cell received by XSS_RECEIVER carries it.
  const xss = cells.find((c) => c.outcome === "fails" && c.spec.receiver.server === XSS_RECEIVER)!;
  xss.logs = [XSS_LOG, ...xss.logs];
  return { ...sampleResults(cells), scenarios: [scenario.name], startedAt, runId };
}

/** `results` with one server version renamed throughout (an older run that had another release). */
export function withVersion(results: RunResults, from: string, to: string): RunResults {
  const rename = (s: string) => (s === from ? to : s);
  const cells = results.cells.map((c) => ({
    ...c,
    spec: {
      ...c.spec,
      id: c.spec.id.split(from).join(to),
      initiator: { ...c.spec.initiator, server: rename(c.spec.initiator.server) },
      receiver: { ...c.spec.receiver, server: rename(c.spec.receiver.server) },
    },
  }));
  return { ...results, cells };
}
