// Cell results made up for the findings tests: a cell that did what `verdict` says, its
// reason logged by the judging server (a judged event), as a run would record it.
import type { CellResult, CellSpec, FindingVerdict } from "../../../core/types.ts";

export function syntheticCell(spec: CellSpec, v: FindingVerdict): CellResult {
  const domains = { initiator: "a.example", receiver: "b.example" };
  const delivered = v.outcome !== "fails";
  const message = delivered ? { status: "delivered" as const, ms: 1 } : { status: "bounced" as const, condition: "remote-server-timeout", ms: 1 };
  const ping = v.outcome === "federates" ? { status: "result" as const, ms: 1 } : { status: "error" as const, ms: 1 };
  const auth = { outbound: v.auth ?? (delivered ? ("unknown" as const) : ("none" as const)), inbound: "none" as const };
  const reason = v.reason === undefined ? (v.outcome === "fails" ? "remote-server-timeout" : undefined) : v.outcome === "one-way" ? `one-way: replies refused: ${v.reason}` : v.reason;
  const events = v.reason ? [{ kind: "external-failed" as const, from: domains.initiator, to: domains.receiver, reason: v.reason, judged: true, line: "" }] : [];
  return {
    spec,
    installed: { initiator: "", receiver: "" },
    outcome: v.outcome,
    attempts: [{ outcome: v.outcome, domains, durationMs: 1, probe: { message, ping, auth, ...(reason ? { reason } : {}), events, logs: [] } }],
    auth,
    message,
    ping,
    ...(reason ? { reason } : {}),
    logs: [],
    asExpected: true,
    durationMs: 1,
  };
}
