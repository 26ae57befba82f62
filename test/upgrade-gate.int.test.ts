// Gating a real upgrade, end to end, with the real CLI on real servers: a scenario names
// its server `ours`; bumping it (ejabberd 24.12 → 26.07, which stops rejecting
// server-only initiators) against the earlier results.json reports the improvement, and
// the reverse bump reports the regression and exits 1. Then a user's own image (built
// here FROM the harness's prosody 13.0.7 image, with its own version string baked in)
// runs under a name, and the reports show the version the running server announced.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { RunResults } from "../core/types.ts";
import { runCli } from "./reliability/helpers.ts";
import { buildProsodyImage, removeImage } from "./user-image.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-upgrade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIMEOUT = 240_000;
const CELL = "prosody@13.0.7 → ours [server-only, dialback off]";
const OUT = "ours → prosody@13.0.7 [server-only, dialback off]";

/** The scenario a user commits, with ours at `version`. The rule is knowledge about ejabberd, not about this bump. */
function gate(version: string): string {
  const file = join(dir, `gate-${version}.yaml`);
  writeFileSync(
    file,
    `name: Upgrade gate
servers: [{name: ours, server: ejabberd@${version}}, prosody@13.0.7]
certificates: [server-only]
dialback: [off]
pairs: cross
expect:
  default: federates
  rules:
    - receiver: ejabberd@<25.07
      certificate: server-only
      dialback: off
      outcome: fails
      reason: unsupported certificate purpose
    # The message out of ejabberd < 25.07 arrives, but Prosody's reply is refused by it.
    - initiator: ejabberd@<25.07
      receiver: prosody
      certificate: server-only
      dialback: off
      outcome: one-way
`,
  );
  return file;
}

const run = (version: string, out: string, baseline?: string) =>
  runCli(["run", gate(version), "--out", join(dir, out), "--no-retry", ...(baseline ? ["--baseline", join(dir, baseline, "results.json")] : [])], {
    timeoutMs: TIMEOUT - 20_000,
  });
const results = (out: string): RunResults => JSON.parse(readFileSync(join(dir, out, "results.json"), "utf8"));

describe("gating an upgrade of a named server", () => {
  test("ejabberd 24.12: the cell into ours fails with the LE purpose error; results.json kept as the baseline", async () => {
    const r = await run("24.12", "before");
    expect(r.code, r.stderr).toBe(0);
    const cells = results("before").cells;
    expect(cells.map((c) => [c.spec.id, c.outcome])).toEqual([
      [OUT, "one-way"],
      [CELL, "fails"],
    ]);
    expect(cells[1].spec.receiver.runs).toBe("ejabberd@24.12");
    expect(readFileSync(join(dir, "before", "matrix.md"), "utf8")).toContain("| **ours (ejabberd 24.12)** |");
  }, TIMEOUT);

  test("bumped to 26.07 against that baseline: each cell of ours is compared with its own, the improvement and the version change are reported", async () => {
    const r = await run("26.07", "after", "before");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("0 regressions · 2 improvements · 0 cells missing · 0 cells added");
    expect(r.stderr).toContain(`- \`${OUT}\`: one-way (`);
    expect(r.stderr).toContain("- ours: ejabberd 24.12 → 26.07");
    expect(r.stderr).toContain(`- \`${CELL}\`: fails (unsupported certificate purpose) → federates (external) (ours: ejabberd 24.12 → 26.07)`);
    expect(readFileSync(join(dir, "after", "matrix.md"), "utf8")).toMatch(/### 🔺 Improvements \(2\)/);
  }, TIMEOUT);

  test("the reverse bump (26.07 → 24.12) against the 26.07 baseline: the regression is reported and the run exits 1", async () => {
    const r = await run("24.12", "reverted", "after");
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("2 regressions · 0 improvements · 0 cells missing · 0 cells added");
    expect(r.stderr).toContain(`- \`${OUT}\`: federates (external) → one-way (`);
    expect(r.stderr).toContain(`- \`${CELL}\`: federates (external) → fails (unsupported certificate purpose) (ours: ejabberd 26.07 → 24.12)`);
    // Every cell met the scenario's rules: the exit 1 is the regression alone.
    expect(results("reverted").summary.unexpected).toBe(0);
    expect(readFileSync(join(dir, "reverted", "matrix.md"), "utf8")).toMatch(/### 🔻 Regressions \(2\)/);
  }, TIMEOUT);
});

describe("a user's own image under a name", () => {
  const tag = `s2s-matrix-test/prosody:mine-${process.pid}`;
  afterAll(() => removeImage(tag));

  test("runs with the family's adapter (layout detected), and the cell details show the version read from the server", async () => {
    // FROM the harness's own prosody 13.0.7 image, with a version string of its own, as a custom build would have.
    await buildProsodyImage(tag, "13.0.7+mine1");
    const file = join(dir, "mine.yaml");
    writeFileSync(
      file,
      `name: My image\nservers: [{name: mine, family: prosody, image: "${tag}"}, prosody@13.0.7]\ncertificates: [dual-eku]\ndialback: [off]\npairs: cross\nexpect:\n  default: federates\n  rules:\n    - initiator: mine\n      outcome: federates\n      auth: external\n`,
    );
    const r = await runCli(["run", file, "--out", join(dir, "mine"), "--no-retry"], { timeoutMs: TIMEOUT - 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`mine: prosody image ${tag}, layout debian (built FROM an s2s-matrix Debian image`);
    const cells = results("mine").cells;
    const out = cells.find((c) => c.spec.initiator.server === "mine")!;
    expect(out.spec.initiator.runs).toBe("prosody");
    expect(out.installed.initiator).toBe("13.0.7+mine1");
    expect(out.outcome).toBe("federates");
    expect(readFileSync(join(dir, "mine", "matrix.md"), "utf8")).toContain("| **mine (prosody 13.0.7+mine1)** |");
    expect(readFileSync(join(dir, "mine", "matrix.html"), "utf8")).toContain("mine (prosody 13.0.7+mine1), certificate dual-eku, dialback off");
  }, TIMEOUT);
});
