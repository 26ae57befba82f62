// The site without a browser: the verdicts' definitions, the history's wording, the size
// budget on a certificate-profiles run, escaping, and the CLI's bad-input exit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CellResult, RunResults } from "../../core/types.ts";
import { CELLS, makeCell, sampleResults, XSS_LOG } from "../report/fixtures.ts";
import { runCli } from "../../test/reliability/helpers.ts";
import { badgeVerdict, groupVerdict } from "./verdict.ts";
import { diffRuns } from "./history.ts";
import { siteFiles } from "./build.ts";
import { certificateProfilesRun, withVersion } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-site-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (results: RunResults, file = "r.json") => ({ file, results });
const withOutcome = (c: CellResult, outcome: CellResult["outcome"]): CellResult => ({ ...c, outcome });

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
  it("a certificate-profiles run with a week-older one as history stays within 5 MB", async () => {
    const now = await certificateProfilesRun("2026-12-04T15:00:00.000Z", "now");
    const old = withVersion(await certificateProfilesRun("2026-11-27T15:00:00.000Z", "old"), "ejabberd@26.07", "ejabberd@26.04");
    const files = siteFiles([run(old), run(now)]);
    const bytes = [...files.values()].reduce((n, c) => n + Buffer.byteLength(c), 0);
    console.log(`site of the certificate-profiles fixture (1680 cells + history): ${files.size} files, ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(5_000_000);
    expect(JSON.parse(files.get("history.json")!).steps[0].changes[0].text).toBe("ejabberd 26.04 → 26.07: no change");
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
  it("the overview leads with results.json's findings where a run has them, else a line per version", () => {
    const plain = siteFiles([run(sampleResults())]);
    expect(plain.get("index.html")).toContain('<h2 id="summary">Per version</h2>');
    const findings = [{ scenario: "smoke", cells: 9, default: { outcome: "federates", text: "Every pair federates <by default>", cells: 5 }, statements: [{ when: {}, outcome: "fails", text: "ejabberd 23.01 refuses a server-only initiator", cells: 4 }], undecided: [], unexplained: [] }];
    const files = siteFiles([run({ ...sampleResults(), findings } as RunResults)]);
    const html = files.get("index.html")!;
    expect(html).toContain('<h2 id="findings">Findings</h2>');
    expect(html).toContain("<li>Every pair federates &lt;by default&gt; <span class=\"meta\">(5 cells)</span></li>");
    expect(html).toContain("<li>ejabberd 23.01 refuses a server-only initiator <span class=\"meta\">(4 cells)</span></li>");
    expect(html).not.toContain('id="summary"');
    expect(JSON.parse(files.get("index.json")!).findings[0].statements).toHaveLength(2);
  });
});

describe("s2s-matrix site", () => {
  it("builds the site from a results.json, and refuses a file that is not one (exit 2, naming it)", async () => {
    const good = join(dir, "results.json");
    writeFileSync(good, JSON.stringify(sampleResults()));
    const out = join(dir, "site");
    const ok = await runCli(["site", good, "--out", out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("<title>XMPP server-to-server federation");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ schema: "s2s-matrix/results@1", cells: "none" }));
    const r = await runCli(["site", good, bad, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`site: ${bad}: not a valid s2s-matrix results.json`);
  });
});
