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

  it("a first attempt whose receiver logged no verdict decided nothing: the re-run's verdict, retried, not flaky", () => {
    const unverified = { ...works, probe: { ...works.probe!, auth: { outbound: "unknown", inbound: "dialback" } as const }, unverified: ["c1-a.example → c1-b.example"] };
    expect(result([unverified, works])).toMatchObject({ outcome: "federates", auth: { outbound: "dialback" }, retried: true });
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

// certificate-profiles on loaded cores: ejabberd's verdict line came after the 250 ms log
// wait, so the first attempt failed with the bounce's words instead of the expected reason.
describe("toResult: a first attempt that decided the same outcome but was not as expected", () => {
  const expectsReason = { ...spec, expected: { outcome: "fails", reason: "certificate has expired", source: "rule 3" } } as CellSpec;
  const failing = (reason: string): Attempt => {
    const a = attempt("fails", { status: "bounced", condition: "remote-server-timeout", ms: 400 }, { decided: "stanzas" });
    return { ...a, probe: { ...a.probe!, auth: { outbound: "none", inbound: "none" }, reason } };
  };
  const bounceOnly = failing("remote-server-timeout");
  const logged = failing("TLS: certificate has expired");
  const res = (attempts: Attempt[]) => toResult(expectsReason, attempts, settle(attempts[0], attempts[1]), new Map());

  it("a re-run that is as expected: its verdict, marked retried", () => {
    const r = res([bounceOnly, logged]);
    expect(r).toMatchObject({ outcome: "fails", asExpected: true, reason: "TLS: certificate has expired", retried: true });
  });

  it("a re-run not as expected either: the verdict did not need it, not retried", () => {
    const r = res([bounceOnly, bounceOnly]);
    expect(r.asExpected).toBe(false);
    expect(r.retried).toBeUndefined();
  });
});
