// An overloaded ejabberd drops a stanza unbounced: its router asks the s2s manager
// (ejabberd_s2s) for a new connection with gen_server:call's 5 s timeout, and a
// starved manager answers too late. Made to happen here, whatever the machine's
// speed: the manager is suspended (sys:suspend) before the cell's probe and resumed
// after it, so the call always times out. The cell is then an error in ejabberd's
// words, decided by its log line rather than the message timeout, and its re-run,
// on a manager that answers, gives the verdict, marked retried.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { newRunId } from "../../harness/docker/labels.ts";
import type { StartedInstance } from "../../harness/instance.ts";
import { runCells } from "../../harness/run.ts";
import type { StageDeps } from "../../harness/runner/stages.ts";
import { runCell } from "../../harness/runner/cell.ts";
import type { CellResult, CellSide, CellSpec } from "../../core/types.ts";
import { cellId } from "../../core/label.ts";
import { labelled, removeLabelled } from "./helpers.ts";

const E = "ejabberd@23.01";
const P = "prosody@0.12.3";
const side = (server: string): CellSide => ({ server, certificate: "dual-eku", dialback: "off" });
const CELL: CellSpec = { id: cellId(side(E), side(P)), scenario: "dropped", initiator: side(E), receiver: side(P), expected: { outcome: "federates", source: "default" } };

/**
 * sys:suspend or sys:resume of ejabberd_s2s, through an Erlang node started in the
 * container: a client of ejabberd's distribution port (start.sh: no epmd), as ejabberdctl is.
 */
async function s2sManager(inst: StartedInstance, call: "suspend" | "resume"): Promise<void> {
  const script =
    "cd /tmp && port=$(sed -n 's/^ERL_DIST_PORT=//p' /etc/ejabberd/ejabberdctl.cfg) && " +
    "HOME=/tmp erl -noshell -sname s2s-matrix-test@localhost -erl_epmd_port \"$port\" -start_epmd false -dist_listen false " +
    '-setcookie "$(cat /var/lib/ejabberd/.erlang.cookie)" ' +
    `-eval 'io:format("~p~n", [rpc:call(ejabberd@localhost, sys, ${call}, [ejabberd_s2s])]), halt().'`;
  const r = await inst.container.exec(["sh", "-c", script]);
  expect(r.output.trim(), r.output).toBe("ok");
}

describe("a stanza the initiating ejabberd dropped", () => {
  const runId = newRunId();
  let d: Dockerode;
  let result: CellResult | undefined;
  let suspended = 0;

  beforeAll(async () => {
    d = await docker();
  });
  afterAll(async () => {
    await removeLabelled(d, runId);
  }, 60_000);

  // The first attempt only: the re-run meets a manager that answers.
  const starvedFirst: StageDeps["runCell"] = async (cell, ia, ...rest) => {
    if (suspended++ > 0) return runCell(cell, ia, ...rest);
    await s2sManager(ia, "suspend");
    try {
      return await runCell(cell, ia, ...rest);
    } finally {
      await s2sManager(ia, "resume");
    }
  };

  it("the attempt is an error in ejabberd's words, ended by its log line; the re-run federates, marked retried", async () => {
    const run = await runCells({
      runId,
      cells: [CELL],
      concurrency: 1,
      retryUnexpected: true,
      readyTimeoutMs: 120_000,
      // Far beyond ejabberd's 5 s: only its log line can end the message's wait this early.
      timeouts: { loginMs: 20_000, messageMs: 120_000, pingMs: 15_000 },
      stageDeps: { runCell: starvedFirst },
    });
    result = run.results[0];
    const [first, rerun] = result!.attempts;
    expect(suspended).toBe(2);
    expect(first.outcome, JSON.stringify(first, null, 1)).toBe("error");
    expect(first.error).toMatch(/^ejabberd dropped a (message|iq) to c1-b\.example: its s2s manager did not answer within 5 s \(an overloaded server\)$/);
    expect(first.evidence).toMatch(/^\[ejabberd@23\.01#1\] \S+ \S+ \[error\] Failed to route packet: #(message|iq)\{/);
    // Ended by the log line, not by the message's 120 s bound.
    expect(first.probe?.message.status).toBe("timeout");
    expect(first.probe?.message.ms).toBeLessThan(120_000);
    expect(rerun.outcome).toBe("federates");
    expect(result).toMatchObject({ outcome: "federates", asExpected: true, retried: true });
    expect(await labelled(d, runId)).toEqual({ containers: [], networks: [] });
  }, 600_000);
});
