// Hostile or broken input ends before anything starts, with exit 2 and a message
// naming the file and the field: a malformed --baseline, an --out that cannot
// take the reports, YAML alias bombs and oversized scenarios. And --keep never
// writes keys into a directory someone prepared in /tmp.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newKeysDir, writeLeafFiles } from "../../ca/index.ts";
import { renderJson } from "../../harness/report/json.ts";
import { sampleResults } from "../../harness/report/fixtures.ts";
import { prepareOutDir } from "../../harness/report/write.ts";
import { MAX_SCENARIO_BYTES, parseScenario } from "../../scenarios/load.ts";
import { runCli, type CliResult } from "./helpers.ts";

// Any Docker access would end in exit 3: exit 2 proves the check came first.
const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent.sock" };
const TIMEOUT = 120_000;
const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-hardening-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function refused(args: string[]): Promise<CliResult> {
  const r = await runCli(["run", ...args, "--out", join(dir, "never")], { env: NO_DOCKER, timeoutMs: 90_000 });
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/Docker|run \d{8}-/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return r;
}

const VALID = `name: Ok
servers: [prosody@0.12.3, ejabberd@23.01]
certificates: [server-only]
dialback: [off]
expect:
  default: federates
`;

describe.concurrent("--baseline is checked against results.schema.json before anything starts", () => {
  it("a cell without its fields: exit 2 naming the file and the field", { timeout: TIMEOUT }, async () => {
    const good = JSON.parse(renderJson(sampleResults()));
    const baseline = file("bad-baseline.json", JSON.stringify({ ...good, cells: [{}] }));
    const r = await refused(["scenarios/smoke.yaml", "--baseline", baseline]);
    expect(r.stderr).toContain(`--baseline ${baseline}`);
    expect(r.stderr).toMatch(/cells\[0\]: missing field "spec"/);
    expect(r.stderr).toContain("results.schema.json");
  });

  it("a wrong value deep in a cell is named by its path", { timeout: TIMEOUT }, async () => {
    const good = JSON.parse(renderJson(sampleResults()));
    good.cells[1].outcome = "maybe";
    const r = await refused(["scenarios/smoke.yaml", "--baseline", file("bad-outcome.json", JSON.stringify(good))]);
    expect(r.stderr).toMatch(/cells\[1\]\.outcome: must be equal to one of the allowed values/);
  });
});

describe.concurrent("scenario limits: exit 2 with file:line, fast", () => {
  it("a billion-laughs alias bomb", { timeout: TIMEOUT }, async () => {
    const levels = "abcdefghi".split("");
    const lines = levels.map((l, i) => (i === 0 ? `${l}: &${l} [${Array(9).fill('"lol"').join(",")}]` : `${l}: &${l} [${Array(9).fill(`*${levels[i - 1]}`).join(",")}]`));
    const bomb = file("laughs.yaml", `${VALID}${lines.join("\n")}\n`);
    const r = await refused([bomb]);
    // Line 8: the first alias (b's list) after the six lines of VALID and a's list.
    expect(r.stderr).toContain(`${bomb}:8:`);
    expect(r.stderr).toMatch(/YAML aliases expand to too many nodes/);
  });

  it("an alias without its anchor", () => {
    expect(() => parseScenario(`${VALID}description: *nowhere\n`, "x.yaml")).toThrow(/^x\.yaml:7:14: YAML alias \*nowhere has no anchor/);
  });

  it("a file over 1 MiB is refused unread", { timeout: TIMEOUT }, async () => {
    const big = file("big.yaml", `${VALID}description: "${"x".repeat(MAX_SCENARIO_BYTES)}"\n`);
    const r = await refused([big]);
    expect(r.stderr).toContain(`${big}:1:1: the file is larger than 1 MiB (1.0 MiB)`);
  });

  it("a stream that never ends (/dev/zero) is cut at the limit", async () => {
    const { loadScenario } = await import("../../scenarios/load.ts");
    await expect(loadScenario("/dev/zero")).rejects.toThrow(/^\/dev\/zero:1:1: the file is larger than 1 MiB, /);
  });

  it("a long name is named by its field and length, not echoed in full", { timeout: TIMEOUT }, async () => {
    const long = file("long-name.yaml", VALID.replace("name: Ok", `name: ${"n".repeat(5000)}`));
    const r = await refused([long]);
    expect(r.stderr).toContain(`${long}:1:7: name: is 5000 characters long; at most 200 allowed`);
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it.each([
    ["reason", `${VALID}  rules:\n    - outcome: fails\n      reason: ${"r".repeat(1001)}\n`, "expect.rules[0].reason", 1000],
    ["server", VALID.replace("ejabberd@23.01", `ejabberd@${"1".repeat(101)}`), "servers[1]", 100],
  ])("a long %s", (_, text, field, limit) => {
    expect(() => parseScenario(text, "x.yaml")).toThrow(new RegExp(`${field.replace(/[[\].]/g, "\\$&")}: is \\d+ characters long; at most ${limit} allowed`));
  });
});

describe("--out is made ready before anything starts", () => {
  it("a file is refused", async () => {
    const f = file("a-file", "x");
    await expect(prepareOutDir(f)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--out .*a-file: is a file, not a directory/) });
  });

  it("a path under a file cannot be created", async () => {
    const f = file("another-file", "x");
    await expect(prepareOutDir(join(f, "reports"))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/cannot be created \(ENOTDIR\)/) });
  });

  it("a new path is created, and nothing is left in it", async () => {
    const p = join(dir, "new", "reports");
    await prepareOutDir(p);
    expect(statSync(p).isDirectory()).toBe(true);
    expect(readdirSync(p)).toEqual([]);
  });
});

describe("--keep: a fresh private directory, never a prepared one", () => {
  it("ignores a symlink or directory planted at a predictable name, and is 0700", async () => {
    const runId = `20990101-000000-${Math.random().toString(16).slice(2, 8)}`;
    const attacker = mkdtempSync(join(tmpdir(), "s2s-matrix-attacker-"));
    const planted = [join(tmpdir(), `s2s-matrix-${runId}`), join(tmpdir(), `s2s-matrix-${runId}-keys`)];
    symlinkSync(attacker, planted[0]);
    mkdirSync(planted[1], { mode: 0o777 });
    try {
      const a = await newKeysDir(runId);
      const b = await newKeysDir(runId);
      expect(a).not.toBe(b);
      for (const d of [a, b]) {
        expect(planted).not.toContain(d);
        const st = lstatSync(d);
        expect(st.isDirectory() && !st.isSymbolicLink()).toBe(true);
        expect(st.mode & 0o777).toBe(0o700);
        expect(readdirSync(d)).toEqual([]);
      }
      await writeLeafFiles(a, "a.example", { cert: "C", key: "K", fullchain: "C" }, "CA");
      expect(readdirSync(attacker)).toEqual([]);
      expect(readlinkSync(planted[0])).toBe(attacker);
      for (const d of [a, b]) rmSync(d, { recursive: true, force: true });
    } finally {
      rmSync(planted[0], { force: true });
      rmSync(planted[1], { recursive: true, force: true });
      rmSync(attacker, { recursive: true, force: true });
    }
  });
});
