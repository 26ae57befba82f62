// The relay must not change what it observes: the same pairs with and without
// --capture give the same outcome and auth method, and the capture explains the cells.
import { beforeAll, describe, expect, test } from "vitest";
import { probePairs, type PairQuery } from "../index.ts";
import type { CellResult, CellSide } from "../../core/types.ts";

const side = (server: string, certificate: CellSide["certificate"], dialback: CellSide["dialback"]): CellSide => ({ server, certificate, dialback });
const PAIRS: PairQuery[] = [
  { initiator: side("prosody@13.0.7", "server-only", "off"), receiver: side("ejabberd@23.01", "server-only", "off") },
  { initiator: side("prosody@13.0.7", "server-only", "on"), receiver: side("ejabberd@23.01", "server-only", "on") },
  { initiator: side("ejabberd@23.01", "server-only", "off"), receiver: side("prosody@13.0.7", "server-only", "off") },
  { initiator: side("ejabberd@23.01", "dual-eku", "off"), receiver: side("ejabberd@26.07", "dual-eku", "off") },
  { initiator: side("prosody@0.12.3", "server-only", "off"), receiver: side("prosody@13.0.7", "server-only", "off") },
];

describe("capture relay is transparent", () => {
  let plain: CellResult[];
  let captured: CellResult[];
  beforeAll(async () => {
    plain = await probePairs(PAIRS);
    captured = await probePairs(PAIRS, { capture: true });
  }, 900_000);

  test("same outcome and auth method in every cell, with and without the relay", () => {
    const view = (rs: CellResult[]) => rs.map((r) => `${r.spec.id}: ${r.outcome} ${r.auth.outbound}/${r.auth.inbound}`);
    expect(view(captured)).toEqual(view(plain));
    expect(plain.map((r) => r.outcome)).toEqual(["fails", "federates", "one-way", "federates", "federates"]);
  });

  test("a failed cell shows the receiver refusing SASL EXTERNAL for the server-only certificate", () => {
    const c = captured[0].capture!;
    expect(c.diagnosis).toMatch(/offered EXTERNAL, then answered <not-authorized\/>: unsupported certificate purpose \(initiator cert EKU = serverAuth only\); dialback not offered/);
    const out = c.outbound[0];
    expect(out.clientCertRequested).toBe(true);
    expect(out.certificates.initiator?.eku).toEqual(["serverAuth"]);
    expect(out.sasl).toMatchObject({ mechanism: "EXTERNAL", result: "failure", condition: "not-authorized", text: "unsupported certificate purpose" });
  });

  test("a cell rescued by dialback shows the EXTERNAL failure, then a valid dialback result", () => {
    const c = captured[1].capture!;
    expect(c.diagnosis).toMatch(/EXTERNAL refused .*unsupported certificate purpose.*; dialback: result valid/);
    expect(c.outbound.flatMap((k) => k.dialback).some((d) => d.kind === "result" && d.type === "valid")).toBe(true);
  });

  test("dialback keys are redacted", () => {
    const text = JSON.stringify(captured[1].capture);
    expect(text).toMatch(/redacted/i);
    expect(text).not.toMatch(/<db:result[^>]*>[0-9a-f]{16,}</);
  });
});
