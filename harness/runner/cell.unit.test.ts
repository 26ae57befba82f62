// A cell's result from its attempts: how it was decided, and a verdict that needed the
// re-run stays visible (#24 item 4). The reports show both (report/decided.unit.test.ts).
import { describe, expect, it } from "vitest";
import type { Attempt, CellSpec, MessageResult, Outcome } from "../../core/types.ts";
import { settle, toResult } from "./cell.ts";

const spec = {
  id: "a → b",
  scenario: "s",
  initiator: { server: "prosody@13.0.1", certificate: "server-only", dialback: "on" },
  receiver: { server: "ejabberd@24.12", certificate: "server-only", dialback: "on" },
  expected: { outcome: "federates", source: "default" },
} as CellSpec;

const LINE = "[ejabberd@24.12#1] Failed inbound s2s dialback authentication c1-a.example -> c1-b.example: Verification failed";

function attempt(outcome: Outcome, message: MessageResult, extra: Partial<Attempt> = {}): Attempt {
  const ping = message.status === "delivered" ? ({ status: "result", ms: 1 } as const) : ({ status: "timeout", ms: 1 } as const);
  const probe = { message, ping, auth: { outbound: "dialback", inbound: "dialback" } as const, events: [], logs: [] };
  return { outcome, domains: { initiator: "c1-a.example", receiver: "c1-b.example" }, durationMs: message.ms, probe, ...extra };
}
const timedOut = attempt("fails", { status: "timeout", ms: 15_000 }, { decided: "timeout" });
const byLog = attempt("fails", { status: "timeout", text: "Verification failed", ms: 300 }, { decided: "log", evidence: LINE });
const works = attempt("federates", { status: "delivered", ms: 200 }, { decided: "stanzas" });
const error: Attempt = { outcome: "error", error: "c2s login to c1-a.example failed", domains: works.domains, durationMs: 20_000 };

const result = (attempts: Attempt[]) => toResult(spec, attempts, attempts.length > 1 ? settle(attempts[0], attempts[1]) : attempts[0].outcome, new Map());

describe("toResult: decided and retried", () => {
  it("a first attempt that timed out and a re-run that decided: the verdict is the re-run's, marked retried", () => {
    const r = result([timedOut, works]);
    expect(r).toMatchObject({ outcome: "federates", decided: "stanzas", retried: true });
  });

  it("a first attempt that could not probe counts the same way", () => {
    expect(result([error, works]).retried).toBe(true);
  });

  it("a first attempt a log line decided is a verdict: a differing re-run is flaky, not retried", () => {
    const r = result([byLog, works]);
    expect(r.outcome).toBe("flaky");
    expect(r.retried).toBeUndefined();
  });

  it("one attempt: its decided and evidence line are the cell's", () => {
    const r = result([byLog]);
    expect(r).toMatchObject({ decided: "log", evidence: LINE });
    expect(r.retried).toBeUndefined();
  });

  it("a re-run that timed out again decided nothing: not retried", () => {
    expect(result([timedOut, timedOut]).retried).toBeUndefined();
  });
});
