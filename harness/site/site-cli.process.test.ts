// `s2s-matrix site` as a user starts it: a site from a real results.json, and exit 2 for
// a file that is not one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../test/reliability/helpers.ts";
import { writeSiteRun } from "../../test/site-data.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-site-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("s2s-matrix site", () => {
  it("builds the site from a results.json, and refuses a file that is not one (exit 2, naming it)", async () => {
    const good = writeSiteRun("prosody-13.0.7-ejabberd-26.07", dir);
    const out = join(dir, "site");
    const ok = await runCli(["site", good, "--out", out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("<title>XMPP server-to-server federation");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ schema: "s2s-matrix/results@1", cells: "none" }));
    const r = await runCli(["site", good, bad, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`site: ${bad}: not an s2s-matrix results.json`);
  });
});
