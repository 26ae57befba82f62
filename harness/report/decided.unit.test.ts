// How a cell was decided (a reply stanza, a server's log line, the timeout) and a
// verdict that needed the re-run, in every report: the matrix cell, matrix.md's
// summary and list, matrix.html's cell facts, JUnit's system-out.
import { describe, expect, it } from "vitest";
import type { CellResult, RunResults } from "../../core/types.ts";
import { CELLS, XSS_LOG } from "./fixtures.ts";
import { cellLine } from "./cells.ts";
import { diagnosisFields } from "./diagnosis.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderHtml } from "./html.ts";
import { summarize } from "./summary.ts";

const LINE = "[prosody@13.0.1#1] s2sout55 info\tSending error replies for 1 queued stanzas because of failed outgoing connection to c229-a.example";
const byLog: CellResult = { ...CELLS.failsLong, decided: "log", evidence: LINE };
/** Its first attempt timed out; the re-run decided. */
const retried: CellResult = {
  ...CELLS.external,
  decided: "stanzas",
  retried: true,
  attempts: [{ ...CELLS.external.attempts[0], outcome: "fails", decided: "timeout" }, CELLS.external.attempts[0]],
};
/** Its first attempt failed in the bounce's words; the re-run found the expected reason in the log. */
const reasonLate: CellResult = {
  ...CELLS.failsLong,
  retried: true,
  attempts: [{ ...CELLS.failsLong.attempts[0], probe: { ...CELLS.failsLong.attempts[0].probe!, reason: "remote-server-timeout\n::error::forged" } }, CELLS.failsLong.attempts[0]],
};
const byTimeout: CellResult = { ...CELLS.asymmetric, decided: "timeout" };
/** Log text is untrusted: it must reach markdown and HTML escaped. */
const hostile: CellResult = { ...CELLS.dialback, decided: "log", evidence: XSS_LOG };

function run(cells: CellResult[]): RunResults {
  return {
    schema: "s2s-matrix/results@1",
    harnessVersion: "0.0.0",
    runId: "r",
    scenarios: ["smoke"],
    isolation: "vhost",
    startedAt: "2026-12-05T07:00:00.000Z",
    durationMs: 1000,
    cells,
    summary: summarize(cells),
  };
}

describe("decided and retried in the reports", () => {
  it("the matrix cell of a retried verdict says so; a clean pass does not", () => {
    expect(cellLine(retried)).toBe("✅ federates (EXTERNAL) · retried");
    expect(cellLine(CELLS.external)).toBe("✅ federates (EXTERNAL)");
  });

  it("matrix.md counts retried cells and lists the cells a log line or the timeout decided", () => {
    const md = renderMarkdown(run([byLog, retried, byTimeout, CELLS.oneWay]));
    expect(md).toContain("· 1 retried ·");
    expect(md).toContain("1 by a reply stanza · 1 by a server's log line · 1 by the timeout");
    expect(md).toContain("failed outgoing connection to c229-a.example");
    expect(md).toMatch(new RegExp(`${byTimeout.spec.id.replace(/[[\]]/g, "\\$&")}.*timeout`));
  });

  it("a file written before decided existed renders without the section", () => {
    expect(renderMarkdown(run([CELLS.external, CELLS.failsLong]))).not.toContain("How the cells were decided");
  });

  it("the cell's facts (matrix.html, JUnit failures) say how it was decided", () => {
    const f = Object.fromEntries(diagnosisFields(byLog).map((x) => [x.label, x.value]));
    expect(f["Decided by"]).toBe(`log: ${LINE}`);
    expect(Object.fromEntries(diagnosisFields(retried).map((x) => [x.label, x.value])).Retried).toMatch(/^retried: the first attempt decided nothing/);
  });

  it("a first attempt that was not as expected is named with its outcome and reason, on one line", () => {
    const f = Object.fromEntries(diagnosisFields(reasonLate).map((x) => [x.label, x.value]));
    expect(f.Retried).toBe("retried: the first attempt (fails: remote-server-timeout ::error::forged) was not as expected, the re-run was");
    expect(cellLine(reasonLate)).toContain(" · retried");
  });

  it("JUnit's system-out says how it was decided and that it was retried", () => {
    const xml = renderJunit(run([byLog, retried]));
    expect(xml).toContain(`decided by: log: [prosody@13.0.1#1]`);
    expect(xml).toContain("retried: the first attempt decided nothing");
  });

  it("an evidence line reaches markdown and HTML escaped", () => {
    const cells = [hostile];
    expect(renderMarkdown(run(cells))).not.toContain("<script>");
    expect(renderHtml(run(cells))).not.toContain("<script>window");
  });
});
