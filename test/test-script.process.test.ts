// scripts/test.mjs (`npm test`) runs the projects without Docker (unit, process) and the fault
// tests beside the integration project: it must fail when any fails and show all. Run on the
// four-project fixture.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./reliability/helpers.ts";

const CONFIG = join(ROOT, "test", "fixtures", "test-script", "vitest.config.mjs");

function npmTest(env: Record<string, string>, args: string[] = [], onSpawn?: (pid: number) => void): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts", "test.mjs"), "--config", CONFIG, ...args], {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    child.on("close", (code) => resolve({ code, out }));
    onSpawn?.(child.pid!);
  });
}

/** What follows the closing line (`──── npm test: …`). */
const closing = (out: string) => out.slice(out.lastIndexOf("──── npm test:"));

describe.concurrent("scripts/test.mjs", () => {
  it("passes when every project passes, and shows each", async () => {
    const r = await npmTest({ FAIL: "" });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/✓ .*integration.* integration\.check\.mjs/);
    expect(r.out).toContain("unit + process + faults + integration-beside tests (ran beside the integration tests): exit 0");
    expect(r.out).toMatch(/✓ .*unit.* unit\.check\.mjs/);
    expect(r.out).toMatch(/✓ .*process.* process\.check\.mjs/);
    expect(r.out).toMatch(/✓ .*faults.* faults\.check\.mjs/);
    expect(r.out).toMatch(/✓ .*integration-beside.* integration-beside\.check\.mjs/);
  });

  for (const failing of ["unit", "process", "faults", "integration-beside", "integration"]) {
    it(`fails when the ${failing} project fails`, async () => {
      const r = await npmTest({ FAIL: failing });
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`× ${failing} fixture test`);
      expect(closing(r.out)).toContain(failing === "integration" ? "integration exit 1" : "unit + process + faults + integration-beside exit 1");
    });
  }

  // The unit block can be printed long before the end: the last lines name what failed in it.
  it("ends with the unit project's failed tests and their errors", async () => {
    const r = await npmTest({ FAIL: "unit" });
    expect(closing(r.out)).toMatch(/FAIL\s+\|?unit\|?\s+unit\.check\.mjs > unit fixture test\n\s+AssertionError: expected 'unit' not to be 'unit'/);
  });

  it("ends with the unit project's unhandled errors", async () => {
    const r = await npmTest({ UNHANDLED: "unit" });
    expect(r.code, r.out).toBe(1);
    expect(closing(r.out)).toMatch(/Unhandled Rejection\n\s+Error: unit fixture rejection/);
  });

  it("a filter that leaves one project without files is not a failure", async () => {
    const r = await npmTest({ FAIL: "" }, ["unit.check"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/✓ .*unit.* unit\.check\.mjs/);
  });

  it("a TERM sent to it alone ends both vitest processes, and it exits failed", async () => {
    const marks = mkdtempSync(join(tmpdir(), "s2s-test-script-"));
    try {
      let pid = 0;
      const ended = npmTest({ FAIL: "", HANG: marks }, [], (p) => (pid = p));
      // A test in each vitest process has started and will never end by itself (the process
      // beside the integration tests runs unit and process first: one of them is enough).
      const started = (p: string) => existsSync(join(marks, p));
      while (!(started("unit") || started("process")) || !started("integration")) await new Promise((r) => setTimeout(r, 100));
      process.kill(pid, "SIGTERM");
      const r = await ended;
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toContain("unit + process + faults + integration-beside tests (ran beside the integration tests)");
    } finally {
      rmSync(marks, { recursive: true, force: true });
    }
  });
});
