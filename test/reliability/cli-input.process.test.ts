// Every bad input is answered clearly, by the real CLI, before Docker is touched.
// The children run with DOCKER_HOST pointing at a socket that does not exist: any
// Docker access would end in exit 3, so exit 2 proves that validation came first.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CATALOG, serverKey } from "../../harness/servers/catalog.ts";
import { PROFILE_NAMES } from "../../ca/index.ts";
import { makeCell, sampleResults } from "../../harness/report/fixtures.ts";
import { loadScenario, ScenarioError } from "../../scenarios/load.ts";
import { ROOT, runCli, type CliResult } from "./helpers.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent.sock" };
const KNOWN_SERVERS = CATALOG.map(serverKey).join(", ");
// A CLI start takes ~2 s on a quiet machine and was seen at 43 s with the two cores loaded (load average 66).
const TIMEOUT = 120_000;

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-bad-scenarios-"));
const out = join(dir, "report");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario file with this text, as an absolute path. */
function scenario(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Runs `s2s-matrix run <file>` with Docker unreachable; checks what every bad input must give. */
async function rejected(args: string[]): Promise<CliResult> {
  const r = await runCli(["run", ...args, "--out", out], { env: NO_DOCKER });
  expect(r.signal, r.stderr).toBeNull();
  // 3 would mean Docker was asked first; 0/1 would mean a run started.
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/no Docker engine|run \d{8}-/);
  // No stack trace: one clear message.
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(existsSync(out)).toBe(false);
  return r;
}

/** The first message line for `file` (after the `s2s-matrix: ` prefix). */
const firstLine = (r: CliResult): string => r.stderr.split("\n")[0].replace(/^s2s-matrix: /, "");

const VALID_HEAD = `name: Bad
servers: [prosody@0.12.3, ejabberd@23.01]
certificates: [server-only]
dialback: [off]
`;

/**
 * The first line the CLI prints for a scenario file it refuses: loadScenario's message, read
 * in this process (a CLI start costs seconds); the CLI's own path for such a refusal (exit 2,
 * every line printed, nothing started) is tested with the real CLI below.
 */
async function refusal(file: string): Promise<string> {
  const e = await loadScenario(file).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ScenarioError);
  expect((e as ScenarioError).exitCode).toBe(2);
  return (e as Error).message.split("\n")[0];
}

describe.concurrent("malformed scenarios: exit 2 with file, line, field, what was found and what is allowed", () => {
  // [case, text, line, field, found, allowed]
  const cases: [string, string, number, string, RegExp, RegExp][] = [
    [
      "wrong type at the top level",
      `name: Bad\nservers: prosody@0.12.3\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      2,
      "servers",
      /found string "prosody@0\.12\.3"/,
      /expected a list/,
    ],
    [
      "wrong type deep inside a rule",
      `${VALID_HEAD}expect:\n  default: federates\n  rules:\n    - receiver: ejabberd\n      outcome: {fails: 1}\n`,
      9,
      "expect.rules[0].outcome",
      /found a mapping/,
      /a string \(outcome\) or a list \(outcomes\)/,
    ],
    [
      "unknown top-level key",
      `${VALID_HEAD}colour: blue\nexpect:\n  default: federates\n`,
      5,
      "",
      /unknown key "colour"/,
      /allowed keys: .*servers, certificates, dialback/,
    ],
    [
      "unknown key in a rule, with a suggestion",
      `${VALID_HEAD}expect:\n  default: federates\n  rules:\n    - receivr: ejabberd\n      outcome: fails\n`,
      8,
      "expect.rules[0]",
      /unknown key "receivr"/,
      /allowed keys: .*receiver.*; did you mean "receiver"\?/,
    ],
    [
      "unknown server family",
      `name: Bad\nservers: [prosody@0.12.3, prosodyy@1.0]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      2,
      "servers[1]",
      /unknown server "prosodyy@1\.0": no server family "prosodyy"/,
      new RegExp(`known servers: ${KNOWN_SERVERS.replace(/\./g, "\\.")}`),
    ],
    [
      "unknown version of a known server",
      `name: Bad\nservers: [ejabberd@23.01, prosody@99.99]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      2,
      "servers[1]",
      /unknown server "prosody@99\.99": no such prosody version/,
      /known servers: .*ejabberd@23\.01.*; another build of yours runs as \{name: ours, family: prosody, image: <your image>\}/,
    ],
    [
      "unknown certificate profile",
      `name: Bad\nservers: [prosody@0.12.3]\ncertificates: [server-only, dual-ekuu]\ndialback: [off]\nexpect:\n  default: federates\n`,
      3,
      "certificates[1]",
      /unknown certificate profile "dual-ekuu"/,
      new RegExp(`allowed: ${PROFILE_NAMES.join(", ")}; did you mean "dual-eku"\\?`),
    ],
    [
      "empty matrix: no servers",
      `name: Bad\nservers: []\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      2,
      "servers",
      /empty list: the matrix would have no cells/,
      /give at least one server/,
    ],
    [
      "empty matrix: no certificates",
      `name: Bad\nservers: [prosody@0.12.3]\ncertificates: []\ndialback: [off]\nexpect:\n  default: federates\n`,
      3,
      "certificates",
      /empty list: the matrix would have no cells/,
      /give at least one certificate profile/,
    ],
    [
      "empty matrix: pairs cross with one server",
      `name: Bad\nservers: [prosody@0.12.3]\ncertificates: [server-only]\ndialback: [off]\npairs: cross\nexpect:\n  default: federates\n`,
      5,
      "pairs",
      /only prosody@0\.12\.3: the matrix would have no cells/,
      /add a server or use pairs: all/,
    ],
    [
      "version range that matches none of the servers",
      `${VALID_HEAD}expect:\n  default: federates\n  rules:\n    - receiver: ejabberd@>=30\n      outcome: fails\n`,
      8,
      "expect.rules[0].receiver",
      /"ejabberd@>=30" matches none of the scenario's servers/,
      /its ejabberd servers are ejabberd@23\.01/,
    ],
    [
      "version range that does not parse",
      `${VALID_HEAD}expect:\n  default: federates\n  rules:\n    - receiver: ejabberd@<x\n      outcome: fails\n`,
      8,
      "expect.rules[0].receiver",
      /invalid version range "<x"/,
      /expected a version .*<25\.07/,
    ],
    [
      "duplicate server",
      `name: Bad\nservers: [prosody@0.12.3, ejabberd@23.01, prosody@0.12.3]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      2,
      "servers[2]",
      /duplicate server "prosody@0\.12\.3" \(already listed as servers\[0\]\)/,
      /list each server once/,
    ],
    [
      "an image of an unknown family",
      `name: Bad\nservers:\n  - prosody@0.12.3\n  - name: ours\n    family: jabberd\n    image: registry.example.org/xmpp/jabberd:candidate\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      5,
      "servers[1].family",
      /unknown server family "jabberd"/,
      /allowed: prosody, ejabberd, openfire, jabberd2/,
    ],
    [
      "a config file that does not exist",
      `name: Bad\nservers:\n  - prosody@0.12.3\n  - name: ours\n    server: prosody@13.0.7\n    config: ./deploy/missing.cfg.lua\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      6,
      "servers[1].config",
      /config file "\.\/deploy\/missing\.cfg\.lua" not found \(looked for \/.*\/deploy\/missing\.cfg\.lua\)/,
      /the path is relative to the scenario file/,
    ],
    [
      "a name used twice",
      `name: Bad\nservers:\n  - {name: ours, server: ejabberd@24.12}\n  - {name: ours, server: prosody@13.0.7}\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      4,
      "servers[1].name",
      /name "ours" is used twice \(already servers\[0\]\)/,
      /give each server its own name/,
    ],
    [
      "a name that collides with a family@version",
      `name: Bad\nservers:\n  - prosody@13.0.7\n  - {name: ejabberd@26.07, server: ejabberd@24.12}\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`,
      4,
      "servers[1].name",
      /invalid server name "ejabberd@26\.07": family@version is how an unnamed server is called/,
      /pick a name without "@", e\.g\. ours/,
    ],
    [
      "wrong dialback value",
      `name: Bad\nservers: [prosody@0.12.3]\ncertificates: [server-only]\ndialback: [sometimes]\nexpect:\n  default: federates\n`,
      4,
      "dialback[0]",
      /unknown dialback setting "sometimes"/,
      /allowed: on, off, true, false/,
    ],
  ];

  it.each(cases)("%s", async (name, text, line, field, found, allowed) => {
    const file = scenario(name.replace(/\W+/g, "-"), text);
    const msg = await refusal(file);
    // file:line:col: field: message
    expect(msg.startsWith(`${file}:${line}:`), msg).toBe(true);
    const rest = msg.replace(/^[^:]+:\d+:\d+: /, "");
    if (field) expect(rest.startsWith(`${field}: `), msg).toBe(true);
    expect(msg).toMatch(found);
    expect(msg).toMatch(allowed);
  }, TIMEOUT);

  it("every problem of a file at once, one line each, in file order", async () => {
    const file = scenario("many", `name: 5\nservers: [prosody@0.12.3]\ncertificates: server-only\ndialback: [maybe]\nexpect:\n  default: perhaps\n`);
    const r = await rejected([file]);
    const lines = r.stderr.trim().split("\n").map((l) => l.replace(/^s2s-matrix: /, ""));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${file}:1:\\d+: name: expected a string, found number 5$`)),
      expect.stringMatching(new RegExp(`^${file}:3:\\d+: certificates: expected a list or a mapping, found string "server-only"$`)),
      expect.stringMatching(new RegExp(`^${file}:4:\\d+: dialback\\[0\\]: unknown dialback setting "maybe"; allowed: on, off, true, false$`)),
      expect.stringMatching(new RegExp(`^${file}:6:\\d+: expect\\.default: unknown outcome "perhaps"; allowed: federates, one-way, fails$`)),
    ]);
  }, TIMEOUT);

  it("YAML syntax error: file, line and column of the offending token", async () => {
    const file = scenario("syntax", `name: Bad\nservers: [prosody@0.12.3]\ncertificates: [server-only]\ndialback: [off]]\nexpect:\n  default: federates\n`);
    expect(await refusal(file)).toMatch(new RegExp(`^${file}:4:16: YAML syntax error: .*"\\]"`));
  }, TIMEOUT);

  it("YAML duplicate key: named as a syntax error at its line", async () => {
    const file = scenario("dupkey", `name: Bad\nname: Again\nservers: [prosody@0.12.3]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`);
    expect(await refusal(file)).toMatch(new RegExp(`^${file}:2:1: YAML syntax error: Map keys must be unique`));
  }, TIMEOUT);

  it("an empty file says what a scenario must contain", async () => {
    const file = scenario("empty", "");
    expect(await refusal(file)).toBe(`${file}:1:1: the file is empty; a scenario is a mapping with name, servers, certificates, dialback, expect`);
  }, TIMEOUT);

  it("a file that does not exist: named, with the absolute path looked for", async () => {
    const abs = join(dir, "nope", "missing.yaml");
    const rel = relative(ROOT, abs);
    const r = await rejected([rel]);
    expect(firstLine(r)).toBe(`${rel}: scenario file not found (looked for ${resolve(ROOT, rel)})`);
  }, TIMEOUT);

  it("a directory instead of a file", async () => {
    const d = join(dir, "adir.yaml");
    mkdirSync(d, { recursive: true });
    const r = await rejected([d]);
    expect(firstLine(r)).toBe(`${d}: is a directory, not a scenario file`);
  }, TIMEOUT);

  it("a good file next to a bad one: nothing runs", async () => {
    const bad = scenario("bad-second", `name: Bad\nservers: [prosody@99.99]\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`);
    const r = await rejected(["scenarios/smoke.yaml", bad]);
    expect(firstLine(r)).toMatch(new RegExp(`^${bad}:2:\\d+: servers\\[0\\]: unknown server "prosody@99\\.99"`));
  }, TIMEOUT);
});

describe.concurrent("bad flags: exit 2 before Docker", () => {
  it.each([
    [["--only", "zzz"], /--only "zzz" matches none of the 4 cells; a cell id looks like "prosody@0\.12\.3 → ejabberd@23\.01/],
    [["--servers", "bogus@1"], new RegExp(`unknown server "bogus@1"; known servers: ${KNOWN_SERVERS.replace(/\./g, "\\.")}`)],
    [["--isolation", "pods"], /--isolation "pods": allowed values are vhost, container/],
    [["--concurrency", "0"], /option '--concurrency <n>' argument '0' is invalid\. expected a whole number ≥ 1/],
    [["--baseline", "/nonexistent/results.json"], /--baseline \/nonexistent\/results\.json: cannot read it \(ENOENT\); give the baseline\.jsonl or results\.json of an earlier run/],
  ])("run smoke.yaml %j", async (flags, message) => {
    const r = await rejected(["scenarios/smoke.yaml", ...flags]);
    expect(r.stderr).toMatch(message);
  }, TIMEOUT);

  it("a baseline whose server was bumped without a name: exit 2 saying how to name it", async () => {
    // smoke.yaml runs prosody@0.12.3 and ejabberd@23.01; this baseline had ejabberd@24.12 instead.
    const side = (server: string) => ({ server, certificate: "server-only" as const, dialback: "off" as const });
    const servers = ["prosody@0.12.3", "ejabberd@24.12"];
    // A complete results.json (it must pass the schema check that comes first).
    const cells = servers.flatMap((a) => servers.map((b) => makeCell({ i: side(a), r: side(b), outcome: "federates", auth: "external", expected: { outcome: "federates" } })));
    const file = join(dir, "bumped-baseline.json");
    writeFileSync(file, JSON.stringify(sampleResults(cells)));
    const r = await rejected(["scenarios/smoke.yaml", "--baseline", file]);
    expect(firstLine(r)).toMatch(new RegExp(`^--baseline ${file}: 3 of its 4 cells find no partner in this run`));
    expect(r.stderr).toContain("It has ejabberd@24.12 where this run has ejabberd@23.01.");
    expect(r.stderr).toContain("servers: [{name: ours, server: ejabberd@23.01}]");
  }, TIMEOUT);

  it("no scenario at all", async () => {
    const r = await runCli(["run"], { env: NO_DOCKER });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'scenario'/);
  }, TIMEOUT);
});
