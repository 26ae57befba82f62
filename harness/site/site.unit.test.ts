// The site without a browser: the verdicts' definitions, the history's wording, the size
// budget and the findings on real certificate-profiles runs (test/site-data.ts), escaping
// (a synthesized run with markup in its logs). The CLI: site-cli.process.test.ts.
import { describe, expect, it } from "vitest";
import type { CellResult, RunResults } from "../../core/types.ts";
import { CELLS, makeCell, sampleResults, XSS_LOG } from "../report/fixtures.ts";
import { badgeVerdict, groupVerdict } from "./verdict.ts";
import { diffRuns } from "./history.ts";
import { siteFiles } from "./build.ts";
import { SITE_RUNS, siteRun } from "../../test/site-data.ts";

const run = (results: RunResults, file = "r.json") => ({ file, results });
const withOutcome = (c: CellResult, outcome: CellResult["outcome"]): CellResult => ({ ...c, outcome });

/** `results` with one server version renamed throughout (an older run that had another release). */
function withVersion(results: RunResults, from: string, to: string): RunResults {
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

describe("verdicts", () => {
  it("a group: accepted when every cell federates, refused when every cell fails, partly between, undecided without a verdict", () => {
    const { external: ok, failsLong: no, oneWay, error, flaky } = CELLS;
    expect(groupVerdict([ok, ok])).toBe("accepted");
    expect(groupVerdict([no, no])).toBe("refused");
    expect(groupVerdict([ok, no])).toBe("partly");
    expect(groupVerdict([oneWay])).toBe("partly");
    expect(groupVerdict([no, error])).toBe("partly");
    expect(groupVerdict([error, flaky])).toBe("undecided");
    expect(groupVerdict([])).toBe("untested");
  });

  it("a badge: accepted with its own dialback off, dialback only when only with it on, refused when never", () => {
    const none = { federates: 0, decided: 0 };
    expect(badgeVerdict({ federates: 1, decided: 7 }, { federates: 0, decided: 7 })).toBe("accepted");
    expect(badgeVerdict({ federates: 0, decided: 7 }, { federates: 7, decided: 7 })).toBe("dialback only");
    expect(badgeVerdict({ federates: 0, decided: 7 }, { federates: 0, decided: 7 })).toBe("refused");
    expect(badgeVerdict(none, none)).toBe("not tested");
  });
});

describe("history", () => {
  const now = sampleResults();
  const older = { ...withVersion(now, "ejabberd@23.01", "ejabberd@22.05"), startedAt: "2025-11-18T18:00:00.000Z" };

  it("a family's version replaced with the same results: no change", () => {
    expect(diffRuns(run(older), run(now)).map((c) => c.text)).toEqual(["ejabberd 22.05 → 23.01: no change"]);
  });

  it("a replaced version whose cell moved names the cell and both results", () => {
    const moved = { ...now, cells: now.cells.map((c) => (c === CELLS.failsLong ? withOutcome(c, "federates") : c)) };
    const changes = diffRuns(run(older), run(moved));
    expect(changes.map((c) => c.text)).toEqual(["ejabberd 22.05 → 23.01: 1 cell changed"]);
    expect(changes[0]!.cells).toEqual([`ejabberd 23.01 → prosody 0.12.3 [server-only, dialback off]: fails → federates (${CELLS.failsLong.auth.outbound})`]);
  });

  it("a version added or removed, and a cell of unchanged versions that moved", () => {
    const extra = makeCell({ i: { server: "prosody@13.0.7", certificate: "server-only", dialback: "off" }, r: CELLS.external.spec.receiver, outcome: "federates", expected: { outcome: "federates" } });
    expect(diffRuns(run(now), run({ ...now, cells: [...now.cells, extra] })).map((c) => c.text)).toEqual(["prosody 13.0.7 added"]);
    expect(diffRuns(run({ ...now, cells: [...now.cells, extra] }), run(now)).map((c) => c.text)).toEqual(["prosody 13.0.7 removed"]);
    const moved = { ...now, cells: now.cells.map((c) => (c === CELLS.external ? withOutcome(c, "fails") : c)) };
    expect(diffRuns(run(now), run(moved)).map((c) => c.text)).toEqual(["1 cell of unchanged versions changed"]);
    expect(diffRuns(run(now), run(now)).map((c) => c.text)).toEqual(["no change"]);
  });
});

describe("siteFiles", () => {
  it("the merged certificate-profiles run with two older runs as history stays within 5 MB", () => {
    const files = siteFiles(SITE_RUNS.map((name) => run(siteRun(name), name)));
    const bytes = [...files.values()].reduce((n, c) => n + Buffer.byteLength(c), 0);
    const cells = siteRun("certificate-profiles").cells.length;
    console.log(`site of the merged certificate-profiles run (${cells} cells + 2 older runs): ${files.size} files, ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(5_000_000);
    expect(JSON.parse(files.get("history.json")!).steps).toHaveLength(SITE_RUNS.length);
  });

  it("escapes server words and log lines everywhere; every JSON file parses", () => {
    const files = siteFiles([run(sampleResults())]);
    for (const [path, content] of files) {
      if (path.endsWith(".json")) expect(() => JSON.parse(content), path).not.toThrow();
      if (path.endsWith(".html") || path.endsWith(".svg")) expect(content, path).not.toMatch(/<(script|img)\b/);
    }
    // The asymmetric cell's reason and log: received by ejabberd 23.01, whose evidence page shows them as text.
    const evidence = files.get("v/ejabberd-23.01.evidence.html")!;
    expect(evidence).toContain("dialback disabled on receiver &lt;b&gt;");
    expect(evidence).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(XSS_LOG).toContain("<script>");
  });
});

describe("findings", () => {
  /** The text of each item of the overview's findings list, unescaped. */
  const findingItems = (html: string): string[] => {
    const section = html.slice(html.indexOf('<h2 id="findings">'), html.indexOf('<h2 id="receiver">'));
    const text = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
    return [...section.matchAll(/<li>(.*?)<\/li>/g)].map((m) => text(m[1]!));
  };

  it("the overview leads with the run's findings, each statement as the run wrote it: its count once", () => {
    const merged = siteRun("certificate-profiles");
    const html = siteFiles([run(merged)]).get("index.html")!;
    const [f] = merged.findings!;
    const statements = [f!.default, ...f!.statements];
    expect(findingItems(html)).toEqual(statements.map((s) => s.text));
    // The count is in the text ("— 158 cells"), not repeated beside it.
    expect(statements[0]!.text).toContain(`— ${statements[0]!.cells} cells`);
    expect(html.split(`${statements[0]!.cells} cells`)).toHaveLength(2);
    expect(html).not.toContain('id="summary"');
  });

  it("a run without findings gets a line per version instead", () => {
    const { findings: _, ...without } = siteRun("prosody-13.0.7-ejabberd-26.07");
    const html = siteFiles([run(without as RunResults)]).get("index.html")!;
    expect(html).toContain('<h2 id="summary">Per version</h2>');
    expect(html).not.toContain('id="findings"');
  });
});
