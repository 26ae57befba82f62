// Sample RunResults for the report tests: one cell of every kind the writers must render.
import { summarize } from "./summary.ts";
import type { AuthMethod, CellResult, CellSide, Dialback, Expectation, Outcome, ProfileName, RunResults } from "../../core/types.ts";
import { cellId } from "../../core/label.ts";

const side = (server: string, certificate: ProfileName = "server-only", dialback: Dialback = "off"): CellSide => ({ server, certificate, dialback });

interface CellInput {
  i: CellSide;
  r: CellSide;
  outcome: Outcome;
  expected: Partial<Expectation> & Pick<Expectation, "outcome">;
  auth?: AuthMethod;
  reason?: string;
  error?: string;
  logs?: string[];
  asExpected?: boolean;
  mismatch?: string;
  attempts?: Outcome[];
  durationMs?: number;
}

export function makeCell(o: CellInput): CellResult {
  const id = cellId(o.i, o.r);
  const auth = { outbound: o.auth ?? (o.outcome === "federates" ? "dialback" : "none"), inbound: o.auth ?? "none" } as const;
  const delivered = o.outcome === "federates" || o.outcome === "one-way";
  const message = delivered
    ? { status: "delivered" as const, ms: 120 }
    : { status: "bounced" as const, condition: "remote-server-not-found", text: o.reason, ms: 3050 };
  const ping =
    o.outcome === "federates"
      ? { status: "result" as const, ms: 80 }
      : o.outcome === "one-way"
        ? { status: "timeout" as const, text: "no reply: b1.example logged that its connection to a1.example failed", ms: 900 }
        : { status: "error" as const, condition: "remote-server-timeout", ms: 5000 };
  const domains = { initiator: "a1.example", receiver: "b1.example" };
  const logs = o.logs ?? [`${o.r.server}: s2s connection a1.example -> b1.example`];
  const attempts = (o.attempts ?? [o.outcome]).map((outcome, n) =>
    outcome === "error"
      ? { outcome, error: o.error, domains, durationMs: 1000 + n }
      : {
          outcome,
          domains,
          durationMs: 800 + n,
          probe: {
            message,
            ping,
            auth,
            reason: o.reason,
            events: [{ kind: delivered ? ("dialback-ok" as const) : ("external-failed" as const), from: "a1.example", to: "b1.example", reason: o.reason, line: logs[0] }],
            logs,
          },
        },
  );
  return {
    spec: { id, scenario: "smoke", initiator: o.i, receiver: o.r, expected: { source: "default", ...o.expected } },
    installed: { initiator: o.i.server.split("@")[1], receiver: `${o.r.server.split("@")[1]}-1` },
    outcome: o.outcome,
    attempts,
    auth,
    ...(o.outcome === "error" ? {} : { message, ping }),
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.error ? { error: o.error } : {}),
    logs,
    asExpected: o.asExpected ?? true,
    ...(o.mismatch ? { mismatch: o.mismatch } : {}),
    durationMs: o.durationMs ?? 800,
  };
}

export const P12 = "prosody@0.12.3";
export const P13 = "prosody@13.0.1";
export const E23 = "ejabberd@23.01";

export const LONG_REASON = "TLS alert | handshake failure: peer certificate lacks the serverAuth EKU required by this receiver";
export const XSS_LOG = `<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> & "quotes" \x1b[31mred\x1b[0m bell\x07`;

/** Cells by role, so tests can name them. */
export const CELLS = {
  external: makeCell({ i: side(P12), r: side(E23), outcome: "federates", auth: "external", expected: { outcome: "federates" } }),
  failsLong: makeCell({
    i: side(E23),
    r: side(P12),
    outcome: "fails",
    reason: LONG_REASON,
    expected: { outcome: "fails" },
    logs: ["ejabberd: TLS handshake with a1.example failed", "prosody: s2sin: peer certificate lacks serverAuth"],
  }),
  dialback: makeCell({ i: side(P12, "server-only", "on"), r: side(P13, "server-only", "on"), outcome: "federates", auth: "dialback", expected: { outcome: "federates" } }),
  unexpected: makeCell({
    i: side(P13, "server-only", "on"),
    r: side(P12, "server-only", "on"),
    outcome: "federates",
    auth: "dialback",
    expected: { outcome: "fails", source: "rules[2]" },
    asExpected: false,
    mismatch: "expected fails, but the message was delivered (dialback)",
  }),
  error: makeCell({
    i: side(E23, "server-only", "on"),
    r: side(P13, "server-only", "on"),
    outcome: "error",
    error: "container ejabberd-23.01 exited with code 137",
    expected: { outcome: "federates" },
    asExpected: false,
    mismatch: "the harness could not decide",
  }),
  flaky: makeCell({
    i: side(P13, "server-only", "on"),
    r: side(E23, "server-only", "on"),
    outcome: "flaky",
    attempts: ["fails", "federates"],
    expected: { outcome: "federates" },
    asExpected: false,
    mismatch: "attempts disagreed: fails, federates",
  }),
  asymmetric: makeCell({
    i: side(P12, "server-only", "on"),
    r: side(E23, "dual-eku", "off"),
    outcome: "fails",
    reason: "dialback disabled on receiver <b>",
    expected: { outcome: "fails" },
    logs: ["ejabberd: rejecting s2s from a1.example", XSS_LOG],
  }),
  oneWay: makeCell({
    i: side(E23, "server-only", "off"),
    r: side(P13, "server-only", "off"),
    outcome: "one-way",
    auth: "external",
    reason: "one-way: replies refused: unsupported certificate purpose",
    expected: { outcome: "one-way" },
  }),
  tolerated: makeCell({
    i: side(E23, "server-only", "on"),
    r: side(P12, "dual-eku", "off"),
    outcome: "error",
    error: "timeout waiting for stream",
    expected: { outcome: "fails", tolerateError: true },
  }),
};

export function sampleResults(cells: CellResult[] = Object.values(CELLS)): RunResults {
  return {
    schema: "s2s-matrix/results@1",
    harnessVersion: "0.1.0",
    runId: "run_2025-11-25T18-00-00",
    scenarios: ["smoke"],
    isolation: "vhost",
    startedAt: "2025-11-25T18:00:00.000Z",
    durationMs: 83_200,
    cells,
    summary: summarize(cells),
  };
}

// A run the size of certificate-profiles (1 680 cells): 8 servers, 56 ordered pairs, 30 combinations.
export const SIZED_SERVERS = ["prosody@0.12.3", "prosody@13.0.1", "prosody@13.0.7", "prosody@13.0.8", "ejabberd@23.01", "ejabberd@24.12", "ejabberd@26.07", "jabberd2@2.7.0"];
const PROFILES: ProfileName[] = ["server-only", "dual-eku", "no-eku", "client-only", "expired", "wrong-name", "untrusted", "self-signed"];
const COMBOS: [ProfileName, ProfileName][] = [
  ...PROFILES.map((p) => [p, "dual-eku"] as [ProfileName, ProfileName]),
  ...PROFILES.filter((p) => p !== "dual-eku").map((p) => ["dual-eku", p] as [ProfileName, ProfileName]),
];
const OUTCOMES: Outcome[] = ["federates", "fails", "one-way", "fails", "error"];

/** A run the size of certificate-profiles (1 680 cells), each cell with a real run's share of log lines. */
export function profilesSizedRun(): CellResult[] {
  const cells: CellResult[] = [];
  let n = 0;
  for (const i of SIZED_SERVERS)
    for (const r of SIZED_SERVERS) {
      if (i === r) continue;
      for (const [ci, cr] of COMBOS)
        for (const d of ["off", "on"] as Dialback[]) {
          const outcome = OUTCOMES[n++ % OUTCOMES.length];
          // The longest reasons a real run logs, with the words that name one cell in them.
          const reason = outcome === "fails" || outcome === "one-way" ? `${LONG_REASON} for r${n}-b.example after ${n} ms` : undefined;
          cells.push(
            makeCell({
              i: { server: i, certificate: ci, dialback: d },
              r: { server: r, certificate: cr, dialback: d },
              outcome,
              auth: outcome === "federates" || outcome === "one-way" ? "external" : undefined,
              reason: outcome === "one-way" ? `one-way: ${reason}` : reason,
              error: outcome === "error" ? `c2s login to r${n}-b.example failed: timed out after ${n} ms` : undefined,
              expected: { outcome: "federates" },
              // Ten lines of ~110 characters, as a Prosody/ejabberd pair logs per cell.
              logs: Array.from({ length: 10 }, (_, k) => `[${r}#1] s2sin55aeb602eee${k} info Incoming s2s connection c${n}-a.example->c${n}-b.example complete (${k})`),
            }),
          );
        }
    }
  return cells;
}
