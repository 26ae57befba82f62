import { describe, expect, it } from "vitest";
import type { Outcome } from "../../core/types.ts";
import { compareBaseline } from "./baseline.ts";
import { BASELINE_FORMAT, baselineOf, cutMiddle, isBaselineText, MAX_LINE_BYTES, parseBaseline, reasonClass, renderBaseline } from "./baseline-file.ts";
import { makeCell, profilesSizedRun, sampleResults, SIZED_SERVERS } from "./fixtures.ts";

describe("baseline.jsonl", () => {
  const run = sampleResults(profilesSizedRun());
  const text = renderBaseline(baselineOf(run));
  const lines = text.trimEnd().split("\n");

  it("a certificate-profiles-sized run (1 680 cells) gives one line per cell, each ≤ 200 bytes, ≤ 400 KB in all", () => {
    expect(run.cells).toHaveLength(1680);
    expect(lines).toHaveLength(1 + SIZED_SERVERS.length + 1680);
    for (const l of lines.slice(1)) expect(Buffer.byteLength(l), l).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(400 * 1024);
    expect(JSON.parse(lines[0])).toMatchObject({ format: BASELINE_FORMAT, scenarios: ["smoke"] });
  });

  it("gates the same as the results.json it was made from: the same regressions, improvements, missing and added cells", () => {
    // The next run: every 7th cell worse, every 11th better, one gone, one new.
    const worse = (o: Outcome): Outcome => (o === "federates" ? "one-way" : o === "one-way" ? "fails" : o);
    const better = (o: Outcome): Outcome => (o === "fails" ? "federates" : o === "one-way" ? "federates" : o);
    const next = run.cells.slice(1).map((c, n) => (n % 7 === 0 ? { ...c, outcome: worse(c.outcome) } : n % 11 === 0 ? { ...c, outcome: better(c.outcome) } : c));
    const added = makeCell({ i: { server: "ours", runs: "prosody@13.0.7", certificate: "server-only", dialback: "off" }, r: { server: "prosody@0.12.3", certificate: "server-only", dialback: "off" }, outcome: "fails", expected: { outcome: "fails" } });
    const current = sampleResults([...next, added]);
    const fromResults = compareBaseline(current, run);
    const fromFile = compareBaseline(current, parseBaseline(text, "baseline.jsonl"));
    expect(fromFile).toEqual(fromResults);
    // What the comparison should find, counted from how `next` was made.
    const expectedRegressions = run.cells.slice(1).filter((c, n) => n % 7 === 0 && worse(c.outcome) !== c.outcome);
    expect(fromFile.regressions.map((r) => r.id)).toEqual(expectedRegressions.map((c) => c.spec.id));
    expect(fromFile.regressions.length).toBeGreaterThan(50);
    expect(fromFile.improvements.length).toBeGreaterThan(50);
    expect(fromFile.missing).toEqual([run.cells[0].spec.id]);
    expect(fromFile.added).toEqual([added.spec.id]);
  });

  it("a changed cell is one changed line; the cells' order and cell-specific words change nothing", () => {
    const shuffled = [...run.cells].reverse().map((c) => ({ ...c, reason: c.reason?.replace(/r\d+-b\.example/, "r1-b.example").replace(/\d+ ms/, "7 ms") }));
    expect(renderBaseline(baselineOf({ ...sampleResults(shuffled), runId: "another run" }))).toBe(text);
    const one = run.cells.findIndex((c) => c.outcome === "federates");
    const changed = run.cells.map((c, n) => (n === one ? { ...c, outcome: "fails" as const, reason: "certificate has expired" } : c));
    const after = renderBaseline(baselineOf(sampleResults(changed))).trimEnd().split("\n");
    const diff = after.filter((l, n) => l !== lines[n]);
    expect(diff).toHaveLength(1);
    expect(JSON.parse(diff[0])).toEqual({ cell: run.cells[one].spec.id, outcome: "fails", auth: "external/external", reason: "certificate has expired" });
  });

  it("a reason's class drops the words that name one cell and keeps the server's verdict at its end", () => {
    expect(reasonClass("c2s login to r93-b.example failed: login to r93-b.example timed out after 1098 ms")).toBe("c2s login to … failed: login to … timed out after … ms");
    expect(reasonClass("Authentication failed: Peer responded with error: certificate has expired (not-authorized)")).toBe(
      "Authentication fail…certificate has expired (not-authorized)",
    );
    expect([...cutMiddle("x".repeat(100), 60)]).toHaveLength(60);
    expect(cutMiddle("short", 60)).toBe("short");
  });

  it("is told apart from a results.json by its first line", () => {
    expect(isBaselineText(text)).toBe(true);
    expect(isBaselineText(JSON.stringify(run, null, 2))).toBe(false);
    expect(isBaselineText(JSON.stringify(run))).toBe(false);
  });
});

describe("parseBaseline refuses a malformed file (exit 2), naming file, line, field and fix", () => {
  const good = renderBaseline(baselineOf(sampleResults())).trimEnd().split("\n");
  const cellAt = good.findIndex((l) => l.startsWith('{"cell"'));
  const refusal = (lines: string[]) => {
    try {
      parseBaseline(lines.join("\n") + "\n", "base/baseline.jsonl");
    } catch (e) {
      expect((e as { exitCode?: number }).exitCode).toBe(2);
      return (e as Error).message;
    }
    throw new Error("parseBaseline did not refuse");
  };
  const withCell = (edit: (o: Record<string, unknown>) => void) => {
    const o = JSON.parse(good[cellAt]);
    edit(o);
    return good.map((l, n) => (n === cellAt ? JSON.stringify(o) : l));
  };
  const at = `--baseline base/baseline.jsonl:${cellAt + 1}: `;
  const fix = "; make it again with s2s-matrix baseline <results.json> -o base/baseline.jsonl, or correct that line";

  it("reads the good file back as it was written", () => {
    expect(renderBaseline(parseBaseline(good.join("\n") + "\n", "b.jsonl"))).toBe(good.join("\n") + "\n");
  });

  it.each([
    ["an unknown outcome", withCell((o) => (o.outcome = "fial")), `${at}field "outcome": "fial" is not one of federates, one-way, fails, error, flaky${fix}`],
    ["an auth without both directions", withCell((o) => (o.auth = "external")), `${at}field "auth": "external" is not outbound/inbound, each one of external, dialback, none, unknown (e.g. "external/none")${fix}`],
    ["an unknown field", withCell((o) => (o.outcom = "fails")), `${at}field "outcom" is not one of a cell line's fields (cell, outcome, auth, reason)${fix}`],
    ["a missing field", withCell((o) => delete o.outcome), `${at}field "outcome" must be a non-empty string (it is missing)${fix}`],
    ["a cell key that is not one", withCell((o) => (o.cell = "a to b")), `${at}field "cell": "a to b" is not "initiator → receiver [certificates, dialback]"${fix}`],
    ["a server without a server line", withCell((o) => (o.cell = String(o.cell).replace(/^\S+/, "nobody@1"))), `${at}field "cell": server "nobody@1" has no server line above${fix}`],
    ["a federating cell with a reason", withCell((o) => ((o.outcome = "federates"), (o.reason = "x"))), `${at}field "reason": a federating cell has no reason${fix}`],
    ["a cell twice", [...good, good[cellAt]], `--baseline base/baseline.jsonl:${good.length + 1}: cell "${JSON.parse(good[cellAt]).cell}" is listed twice${fix}`],
    ["a line that is not JSON", good.map((l, n) => (n === cellAt ? l.slice(0, -1) : l)), `${at}not a JSON object (`],
    ["another format version", [JSON.stringify({ format: "s2s-matrix/baseline@9" }), ...good.slice(1)], `--baseline base/baseline.jsonl:1: field "format" is "s2s-matrix/baseline@9", expected "${BASELINE_FORMAT}" (made by another s2s-matrix version)${fix}`],
    ["a control character", withCell((o) => (o.reason = "a\u001b[31mb")), `${at}field "reason" holds a control character${fix}`],
  ])("%s", (_, lines, message) => {
    expect(refusal(lines)).toContain(message);
  });
});
