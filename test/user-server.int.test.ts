// A user's own server, end to end through the CLI: their image (built here FROM the
// harness's prosody 13.0.7 image, with its own version string baked in) and their
// prosody.cfg.lua (`s2s_secure_auth = false`: dialback is enough for partners whose
// certificates do not verify), next to a stock server. An untrusted initiator with
// dialback federates into theirs and is refused by the stock receiver; the cell
// details show the version the running server announced and the settings in force.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { RunResults } from "../core/types.ts";
import { runCli } from "./reliability/helpers.ts";
import { buildProsodyImage, removeImage } from "./user-image.ts";

const TIMEOUT = 300_000;
const VERSION = "13.0.7+mycfg1";
const tag = `s2s-matrix-test/prosody:mycfg-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-user-server-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeImage(tag);
});

describe("a user's own image with their own config", () => {
  test("their config lets an untrusted initiator in via dialback where the stock receiver refuses it; the cell shows the version and the settings in force", async () => {
    await buildProsodyImage(tag, VERSION);
    // The operator's file as they keep it (production paths, database, modules the image lacks): the harness merges it.
    copyFileSync(new URL("../harness/servers/fixtures/configs/prosody.cfg.lua", import.meta.url), join(dir, "prosody.cfg.lua"));
    expect(readFileSync(join(dir, "prosody.cfg.lua"), "utf8")).toMatch(/^s2s_secure_auth = false$/m);
    const file = join(dir, "mine.yaml");
    writeFileSync(
      file,
      `name: My server, my config
servers:
  - {name: mine, family: prosody, image: "${tag}", config: ./prosody.cfg.lua}
  - prosody@13.0.7
certificates: [{initiator: untrusted, receiver: dual-eku}]
dialback: [on]
pairs: cross
expect:
  default: fails
  rules:
    - receiver: mine
      outcome: federates
      auth: dialback
`,
    );
    const r = await runCli(["run", file, "--out", join(dir, "out"), "--no-retry"], { timeoutMs: TIMEOUT - 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const cells: RunResults["cells"] = JSON.parse(readFileSync(join(dir, "out", "results.json"), "utf8")).cells;
    const into = (receiver: string) => cells.find((c) => c.spec.receiver.server === receiver)!;
    const theirs = into("mine");
    const stock = into("prosody@13.0.7");
    expect(cells.map((c) => c.spec.id).sort()).toEqual([
      "mine → prosody@13.0.7 [untrusted→dual-eku, dialback on]",
      "prosody@13.0.7 → mine [untrusted→dual-eku, dialback on]",
    ]);

    // The same cell, two receivers: theirs lets the untrusted initiator in via dialback, the stock one refuses it.
    expect(theirs.outcome).toBe("federates");
    expect(theirs.auth.outbound).toBe("dialback");
    expect(stock.outcome).toBe("fails");
    expect(stock.auth.outbound).toBe("none");
    expect(stock.reason).toMatch(/trust|certificate/i);

    // The version read from the running server, and where each setting in force came from.
    expect(theirs.spec.receiver.runs).toBe("prosody");
    expect(theirs.installed.receiver).toBe(VERSION);
    expect(stock.installed.initiator).toBe(VERSION);
    expect(theirs.settings?.receiver).toMatchObject({ s2s_secure_auth: "false (your config)", dialback: "on (scenario)" });
    expect(stock.settings?.receiver.s2s_secure_auth).toBe("true (s2s-matrix)");
    expect(stock.settings?.initiator.s2s_secure_auth).toBe("false (your config)");

    // The reports a user opens say the same.
    const html = readFileSync(join(dir, "out", "matrix.html"), "utf8");
    expect(html).toContain(`mine (prosody ${VERSION})`);
    expect(html).toContain("<h4>Settings in force</h4>");
    expect(html).toContain("<tr><th>s2s_secure_auth</th><td>true (s2s-matrix)</td><td>false (your config)</td></tr>");
    const md = readFileSync(join(dir, "out", "matrix.md"), "utf8");
    expect(md).toContain(`mine (prosody ${VERSION})`);
    expect(md).toMatch(/- \*\*mine\*\*: .*`s2s_secure_auth` = false \(your config\)/);
  }, TIMEOUT);
});
