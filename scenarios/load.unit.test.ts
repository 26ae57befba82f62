import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { CATALOG, serverKey } from "../harness/servers/catalog.ts";
import { UsageError } from "../core/errors.ts";
import { MAX_CONFIG_BYTES, ScenarioError, loadScenario, parseScenario } from "./load.ts";

const FILE = "scenarios/x.yaml";
const KNOWN = CATALOG.map(serverKey).join(", ");

/** The error lines a scenario text is rejected with. */
function rejected(text: string): string[] {
  try {
    parseScenario(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message.split("\n");
  }
  throw new Error("expected the scenario to be rejected");
}

// Line numbers below refer to this layout.
const VALID = `name: Valid
servers: [prosody@0.12.3, ejabberd@23.01]
certificates: [server-only, dual-eku]
dialback: [on, off]
expect:
  default: federates
  rules:
    - receiver: ejabberd@<25.07
      certificate: server-only
      dialback: off
      outcome: fails
`;

describe("parseScenario: valid input", () => {
  it("normalises a scenario", () => {
    const s = parseScenario(VALID, FILE);
    expect(s).toEqual({
      file: FILE,
      name: "Valid",
      servers: [
        { id: "prosody@0.12.3", named: false, family: "prosody", version: "0.12.3", optional: false, line: 2 },
        { id: "ejabberd@23.01", named: false, family: "ejabberd", version: "23.01", optional: false, line: 2 },
      ],
      certificates: [
        { initiator: "server-only", receiver: "server-only" },
        { initiator: "dual-eku", receiver: "dual-eku" },
      ],
      dialback: { initiator: ["on", "off"], receiver: ["on", "off"], symmetric: true },
      pairs: "all",
      tolerate: [],
      expect: {
        default: "federates",
        rules: [
          { index: 0, line: 8, receiver: "ejabberd@<25.07", initiatorCertificate: "server-only", dialback: "off", outcome: "fails" },
        ],
      },
    });
  });

  it("accepts on/off and true/false for dialback, and YAML 1.1 files", () => {
    const text = VALID.replace("dialback: [on, off]", "dialback: {initiator: [true], receiver: [false, on]}").replace(
      "dialback: off",
      "dialback: false\n      initiator_dialback: true",
    );
    const s = parseScenario(text, FILE);
    expect(s.dialback).toEqual({ initiator: ["on"], receiver: ["off", "on"], symmetric: false });
    expect(s.expect.rules[0]).toMatchObject({ dialback: "off", initiatorDialback: "on" });
    // With a %YAML 1.1 directive the yaml library reads on/off as booleans: same result.
    const s11 = parseScenario(`%YAML 1.1\n---\n${VALID}`, FILE);
    expect(s11.dialback.initiator).toEqual(["on", "off"]);
    expect(s11.expect.rules[0].dialback).toBe("off");
  });

  it("accepts the object server form, asymmetric certificates, pairs, tolerate and every rule key", () => {
    const s = parseScenario(
      `name: Full
description: all the keys
servers:
  - prosody@0.12.3
  - {server: ejabberd@26.07, optional: true}
certificates: {initiator: [server-only], receiver: [dual-eku, no-eku]}
dialback: [off]
pairs: cross
tolerate: [error]
expect:
  default: fails
  rules:
    - initiator: prosody
      receiver: "*"
      initiator_certificate: server-only
      receiver_certificate: dual-eku
      receiver_dialback: off
      outcome: federates
      ping: ok
      auth: external
      reason: fine
`,
      FILE,
    );
    expect(s.description).toBe("all the keys");
    expect(s.servers).toEqual([
      { id: "prosody@0.12.3", named: false, family: "prosody", version: "0.12.3", optional: false, line: 4 },
      { id: "ejabberd@26.07", named: false, family: "ejabberd", version: "26.07", optional: true, line: 5 },
    ]);
    expect(s.certificates).toEqual([
      { initiator: "server-only", receiver: "dual-eku" },
      { initiator: "server-only", receiver: "no-eku" },
    ]);
    expect(s.pairs).toBe("cross");
    expect(s.tolerate).toEqual(["error"]);
    expect(s.expect.rules[0]).toEqual({
      index: 0,
      line: 13,
      initiator: "prosody",
      receiver: "*",
      initiatorCertificate: "server-only",
      receiverCertificate: "dual-eku",
      receiverDialback: "off",
      outcome: "federates",
      ping: "ok",
      auth: "external",
      reason: "fine",
    });
  });
});

describe("parseScenario: malformed input", () => {
  it("reports YAML syntax errors with their line", () => {
    const lines = rejected("name: x\nservers: [prosody@0.12.3\ncertificates: [server-only]\n");
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^scenarios\/x\.yaml:3:\d+: YAML syntax error: /);
  });

  it("reports a duplicate key as a YAML error", () => {
    expect(rejected(VALID.replace("servers:", "name: again\nservers:"))[0]).toMatch(/^scenarios\/x\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it("reports an empty file and a non-mapping", () => {
    expect(rejected("")).toEqual([`${FILE}:1:1: the file is empty; a scenario is a mapping with name, servers, certificates, dialback, expect`]);
    expect(rejected("# nothing\n")[0]).toContain("the file is empty");
    expect(rejected("- a\n- b\n")).toEqual([`${FILE}:1:1: expected a mapping (s2s-matrix scenario), found a list`]);
  });

  it("reports an unknown certificate profile with the allowed ones", () => {
    expect(rejected(VALID.replace("[server-only, dual-eku]", "[server-only, server_only]"))).toEqual([
      `${FILE}:3:29: certificates[1]: unknown certificate profile "server_only"; allowed: server-only, dual-eku, no-eku, client-only, expired, wrong-name, untrusted, self-signed, le-tlsserver, le-shortlived, missing-intermediate, wildcard, wildcard-mismatch, rsa-classic; did you mean "server-only"?`,
    ]);
  });

  it("reports an unknown profile in a rule and in the asymmetric form", () => {
    const lines = rejected(
      VALID.replace("certificates: [server-only, dual-eku]", "certificates: {initiator: [server-only], receiver: [bogus]}").replace(
        "certificate: server-only",
        "certificate: serveronly",
      ),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^scenarios\/x\.yaml:3:53: certificates\.receiver\[0\]: unknown certificate profile "bogus"; allowed: server-only, /),
      expect.stringMatching(/^scenarios\/x\.yaml:9:20: expect\.rules\[0\]\.certificate: unknown certificate profile "serveronly"; allowed: /),
    ]);
  });

  it("reports unknown keys at the key, listing the allowed keys", () => {
    const lines = rejected(VALID.replace("      outcome: fails", "      colour: red\n      outcome: fails").replace("name: Valid", "name: Valid\nservrs: []"));
    expect(lines).toEqual([
      `${FILE}:2:1: unknown key "servrs"; allowed keys: $schema, name, description, servers, certificates, dialback, pairs, tolerate, expect; did you mean "servers"?`,
      `${FILE}:12:7: expect.rules[0]: unknown key "colour"; allowed keys: initiator, receiver, certificate, initiator_certificate, receiver_certificate, dialback, initiator_dialback, receiver_dialback, outcome, ping, auth, reason`,
    ]);
  });

  it("reports wrong types saying what was found", () => {
    const lines = rejected(
      VALID.replace("name: Valid", "name: [a]").replace("dialback: [on, off]", "dialback: maybe").replace("servers: [prosody@0.12.3, ejabberd@23.01]", "servers: [5, {server: ejabberd@23.01, optional: yes}]"),
    );
    expect(lines).toEqual([
      `${FILE}:1:7: name: expected a string, found a list`,
      `${FILE}:2:11: servers[0]: expected a string (server) or a mapping, found number 5`,
      `${FILE}:2:49: servers[1].optional: expected true or false, found string "yes"`,
      `${FILE}:4:11: dialback: expected a list or a mapping, found string "maybe"`,
    ]);
  });

  it("reports missing required keys at the mapping that lacks them", () => {
    expect(rejected("name: x\nservers: [prosody@0.12.3]\ncertificates: [server-only]\ndialback: [on]\nexpect:\n  rules: []\n")).toEqual([
      `${FILE}:6:3: expect: missing required key "default"`,
    ]);
    expect(rejected("name: x\n")).toEqual([
      `${FILE}:1:1: missing required key "servers"`,
      `${FILE}:1:1: missing required key "certificates"`,
      `${FILE}:1:1: missing required key "dialback"`,
      `${FILE}:1:1: missing required key "expect"`,
    ]);
  });

  it("a rule's outcome list: two or more known outcomes, each once", () => {
    expect(parseScenario(VALID.replace("outcome: fails", "outcome: [fails, federates]"), FILE).expect.rules[0]).toMatchObject({ outcome: "fails", anyOf: ["fails", "federates"] });
    expect(rejected(VALID.replace("outcome: fails", "outcome: [fails, pass]"))).toEqual([
      `${FILE}:11:24: expect.rules[0].outcome[1]: unknown outcome "pass"; allowed: federates, one-way, fails`,
    ]);
    expect(rejected(VALID.replace("outcome: fails", "outcome: [fails]"))).toEqual([
      `${FILE}:11:16: expect.rules[0].outcome: a list of outcomes needs at least two (any of them meets the rule); write a single outcome without brackets, e.g. outcome: fails`,
    ]);
    expect(rejected(VALID.replace("outcome: fails", "outcome: [fails, fails]"))).toEqual([
      `${FILE}:11:24: expect.rules[0].outcome[1]: duplicate entry "fails" (same as expect.rules[0].outcome[0])`,
    ]);
  });

  it("reports unknown outcomes, dialback settings and tolerate values", () => {
    const lines = rejected(
      VALID.replace("dialback: [on, off]", "dialback: [on, yes]\ntolerate: [flaky]").replace("outcome: fails", "outcome: pass").replace("default: federates", "default: works"),
    );
    expect(lines).toEqual([
      `${FILE}:4:16: dialback[1]: unknown dialback setting "yes"; allowed: on, off, true, false`,
      `${FILE}:5:12: tolerate[0]: unknown tolerated outcome "flaky"; allowed: error`,
      `${FILE}:7:12: expect.default: unknown outcome "works"; allowed: federates, one-way, fails`,
      `${FILE}:12:16: expect.rules[0].outcome: unknown outcome "pass"; allowed: federates, one-way, fails`,
    ]);
  });

  it("reports an unknown server or version, listing the catalog", () => {
    const lines = rejected(VALID.replace("servers: [prosody@0.12.3, ejabberd@23.01]", "servers:\n  - prosody@0.12.4\n  - {server: jabberd@2.0}\n  - prosody-13"));
    expect(lines).toEqual([
      `${FILE}:3:5: servers[0]: unknown server "prosody@0.12.4": no such prosody version in the catalog; known servers: ${KNOWN}; another build of yours runs as {name: ours, family: prosody, image: <your image>}`,
      `${FILE}:4:14: servers[1].server: unknown server "jabberd@2.0": no server family "jabberd" in the catalog; known servers: ${KNOWN}`,
      `${FILE}:5:5: servers[2]: invalid server "prosody-13"; expected family@version, e.g. prosody@13.0.7 or ejabberd@24.12; known servers: ${KNOWN}`,
    ]);
  });

  describe("follows the catalog rather than a fixed list", () => {
    const added = { family: "openfire" as const, version: "9.9.9", source: { kind: "upstream" as const, image: "x" } };
    afterEach(() => {
      const i = CATALOG.indexOf(added);
      if (i >= 0) CATALOG.splice(i, 1);
    });
    it("accepts a server once it is in the catalog, and lists it when one is unknown", () => {
      const text = VALID.replace("ejabberd@23.01]", "openfire@9.9.9]").replace("ejabberd@<25.07", "openfire@<10");
      expect(rejected(text)[0]).toContain(`unknown server "openfire@9.9.9"`);
      CATALOG.push(added);
      expect(parseScenario(text, FILE).servers.map((s) => s.id)).toEqual(["prosody@0.12.3", "openfire@9.9.9"]);
      expect(rejected(VALID.replace("prosody@0.12.3,", "prosody@9.9,"))[0]).toContain(", openfire@9.9.9");
    });
  });

  it("reports duplicate servers, profiles and dialback settings", () => {
    const lines = rejected(
      VALID.replace("servers: [prosody@0.12.3, ejabberd@23.01]", "servers: [prosody@0.12.3, ejabberd@23.01, {server: prosody@0.12.3}]")
        .replace("[server-only, dual-eku]", "[dual-eku, dual-eku]")
        .replace("dialback: [on, off]", "dialback: [on, true]"),
    );
    expect(lines).toEqual([
      `${FILE}:2:52: servers[2].server: duplicate server "prosody@0.12.3" (already listed as servers[0]); list each server once, or give a second one a name`,
      `${FILE}:3:26: certificates[1]: duplicate certificate profile "dual-eku"; already certificates[0]`,
      `${FILE}:4:16: dialback[1]: duplicate dialback setting "on" ("on" and true mean the same); already dialback[0]`,
    ]);
  });

  it("reads explicit certificate combinations and the vary/against form", () => {
    const pairs = (certs: string) => parseScenario(VALID.replace("certificates: [server-only, dual-eku]", `certificates: ${certs}`), FILE).certificates;
    expect(pairs("[server-only, {initiator: expired, receiver: dual-eku}, {initiator: no-eku, receiver: no-eku}]")).toEqual([
      { initiator: "server-only", receiver: "server-only" },
      { initiator: "expired", receiver: "dual-eku" },
      { initiator: "no-eku", receiver: "no-eku" },
    ]);
    // Each profile on one side at a time against the control; the control pair once.
    expect(pairs("{vary: [expired, dual-eku, wrong-name], against: dual-eku}")).toEqual([
      { initiator: "expired", receiver: "dual-eku" },
      { initiator: "dual-eku", receiver: "dual-eku" },
      { initiator: "wrong-name", receiver: "dual-eku" },
      { initiator: "dual-eku", receiver: "expired" },
      { initiator: "dual-eku", receiver: "wrong-name" },
    ]);
  });

  it("reports bad certificate combinations with their place", () => {
    const certs = (c: string) => rejected(VALID.replace("certificates: [server-only, dual-eku]", `certificates: ${c}`));
    expect(certs("[{initiator: expired, receiver: dual-eku}, {initiator: expired, receiver: dual-eku}]")).toEqual([
      `${FILE}:3:58: certificates[1]: duplicate certificate combination "expired→dual-eku"; already certificates[0]`,
    ]);
    expect(certs("[dual-eku, {initiator: dual-eku, receiver: dual-eku}]")).toEqual([
      `${FILE}:3:26: certificates[1]: duplicate certificate combination "dual-eku"; already certificates[0]`,
    ]);
    expect(certs("[{initiator: expired, reciever: dual-eku}]").join("\n")).toMatch(/certificates\[0\]: unknown key "reciever"; allowed keys: initiator, receiver; did you mean "receiver"\?$/m);
    expect(certs("{vary: [expird], against: dual-eku}")[0]).toMatch(/certificates\.vary\[0\]: unknown certificate profile "expird"; .*did you mean "expired"\?$/);
    expect(certs("{vary: [expired]}")).toEqual([`${FILE}:3:15: certificates: missing required key "against"`]);
  });

  it("rejects one-way together with ping: ok", () => {
    const text = VALID.replace("      outcome: fails\n", "      outcome: one-way\n      ping: ok\n");
    expect(rejected(text)).toEqual([
      `${FILE}:12:13: expect.rules[0].ping: "one-way" means the ping's reply does not come back, so "ping: ok" contradicts it; drop ping (or use ping: fails)`,
    ]);
    expect(parseScenario(VALID.replace("      outcome: fails\n", "      outcome: one-way\n"), FILE).expect.rules[0].outcome).toBe("one-way");
  });

  it("reports an empty matrix", () => {
    const lines = rejected(
      VALID.replace("servers: [prosody@0.12.3, ejabberd@23.01]", "servers: []")
        .replace("certificates: [server-only, dual-eku]", "certificates: {initiator: [server-only], receiver: []}")
        .replace("dialback: [on, off]", "dialback: []"),
    );
    expect(lines).toEqual([
      `${FILE}:2:10: servers: empty list: the matrix would have no cells; give at least one server`,
      `${FILE}:3:52: certificates.receiver: empty list: the matrix would have no cells; give at least one certificate profile`,
      `${FILE}:4:11: dialback: empty list: the matrix would have no cells; give at least one dialback setting`,
    ]);
    expect(rejected(VALID.replace("certificates: [server-only, dual-eku]", "certificates: []"))).toEqual([
      `${FILE}:3:15: certificates: empty list: the matrix would have no cells; give at least one certificate profile`,
    ]);
  });

  it("reports pairs: cross with a single server as an empty matrix", () => {
    const text = VALID.replace("servers: [prosody@0.12.3, ejabberd@23.01]", "servers: [ejabberd@23.01]\npairs: cross");
    expect(rejected(text)).toEqual([
      `${FILE}:3:8: pairs: "cross" skips a server paired with itself, and the scenario has only ejabberd@23.01: the matrix would have no cells; add a server or use pairs: all`,
    ]);
  });

  it("reports a rule selector that matches none of the scenario's servers", () => {
    expect(rejected(VALID.replace("receiver: ejabberd@<25.07", "receiver: ejabberd@>=25.07"))).toEqual([
      `${FILE}:8:17: expect.rules[0].receiver: "ejabberd@>=25.07" matches none of the scenario's servers; its ejabberd servers are ejabberd@23.01`,
    ]);
    expect(rejected(VALID.replace("receiver: ejabberd@<25.07", "receiver: ejabberd@>=24.12,<26"))[0]).toContain(`"ejabberd@>=24.12,<26" matches none`);
    expect(rejected(VALID.replace("prosody@0.12.3, ", "").replace("      outcome: fails", "      initiator: prosody\n      outcome: fails"))).toEqual([
      `${FILE}:11:18: expect.rules[0].initiator: "prosody" matches none of the scenario's servers; it has no prosody server (servers: ejabberd@23.01)`,
    ]);
  });

  it("reports malformed selectors and unknown families", () => {
    const lines = rejected(
      VALID.replace("receiver: ejabberd@<25.07", "receiver: ejabberd@<<25").replace("      outcome: fails", "      initiator: jabberd\n      outcome: fails"),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^scenarios\/x\.yaml:8:17: expect\.rules\[0\]\.receiver: invalid version range "<<25" at "<<25"; expected /),
      `${FILE}:11:18: expect.rules[0].initiator: unknown server family "jabberd" in selector "jabberd"; known families: prosody, ejabberd, jabberd2, openfire; did you mean "ejabberd"?`,
    ]);
    expect(rejected(VALID.replace("receiver: ejabberd@<25.07", "receiver: Ejabberd"))[0]).toMatch(
      /^scenarios\/x\.yaml:8:17: expect\.rules\[0\]\.receiver: invalid server selector "Ejabberd"; expected /,
    );
  });

  it("rejects certificate together with initiator_certificate", () => {
    expect(rejected(VALID.replace("      outcome: fails", "      initiator_certificate: dual-eku\n      outcome: fails"))).toEqual([
      `${FILE}:11:7: expect.rules[0]: set either "certificate" or "initiator_certificate" (they mean the same: the initiator's profile), not both`,
    ]);
  });

  it("collects every error, one per line, in file order", () => {
    const lines = rejected(
      VALID.replace("name: Valid", "name: ''")
        .replace("[server-only, dual-eku]", "[server_only]")
        .replace("outcome: fails", "outcome: fail")
        .replace("receiver: ejabberd@<25.07", "receiver: ejabberd@<20"),
    );
    expect(lines.map((l) => l.split(": ")[0] + ": " + l.split(": ")[1])).toEqual([
      `${FILE}:1:7: name`,
      `${FILE}:3:16: certificates[0]`,
      `${FILE}:8:17: expect.rules[0].receiver`,
      `${FILE}:11:16: expect.rules[0].outcome`,
    ]);
  });
});

describe("loadScenario", () => {
  it("loads a file from disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s2s-scenario-"));
    const file = join(dir, "ok.yaml");
    writeFileSync(file, VALID);
    const s = await loadScenario(file);
    expect(s.file).toBe(file);
    expect(s.name).toBe("Valid");
  });

  it("names the file in every message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s2s-scenario-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, VALID.replace("dual-eku", "dual_eku"));
    await expect(loadScenario(file)).rejects.toThrow(`${file}:3:29: certificates[1]: unknown certificate profile "dual_eku"`);
  });

  it("gives a clear message for a missing file or a directory", async () => {
    await expect(loadScenario("scenarios/does-not-exist.yaml")).rejects.toThrow(UsageError);
    await expect(loadScenario("scenarios/does-not-exist.yaml")).rejects.toThrow(/^scenarios\/does-not-exist\.yaml: scenario file not found \(looked for \/.*\/scenarios\/does-not-exist\.yaml\)$/);
    await expect(loadScenario(tmpdir())).rejects.toThrow(/is a directory, not a scenario file/);
  });
});

describe("named servers, images and config files", () => {
  const head = (servers: string, rules = "") =>
    `name: Named\nservers:\n${servers}certificates: [server-only]\ndialback: [off]\npairs: cross\nexpect:\n  default: federates\n${rules ? `  rules:\n${rules}` : ""}`;

  it("names a catalog server, a published release and an image; an unnamed server keeps family@version", () => {
    const s = parseScenario(
      head(
        `  - {name: ours, server: ejabberd@24.12}\n  - prosody@13.0.7\n  - ejabberd@25.10\n  - {name: candidate, family: ejabberd, image: registry.example.org/xmpp/ejabberd:candidate, layout: upstream, optional: true}\n`,
      ),
      FILE,
    );
    expect(s.servers).toEqual([
      { id: "ours", named: true, family: "ejabberd", version: "24.12", optional: false, line: 3 },
      { id: "prosody@13.0.7", named: false, family: "prosody", version: "13.0.7", optional: false, line: 4 },
      { id: "ejabberd@25.10", named: false, family: "ejabberd", version: "25.10", optional: false, line: 5 },
      { id: "candidate", named: true, family: "ejabberd", image: "registry.example.org/xmpp/ejabberd:candidate", layout: "upstream", optional: true, line: 6 },
    ]);
  });

  it("allows a named server next to the unnamed one of the same version (e.g. with its own config)", () => {
    const s = parseScenario(head(`  - ejabberd@24.12\n  - {name: ours, server: ejabberd@24.12}\n`), FILE);
    expect(s.servers.map((x) => x.id)).toEqual(["ejabberd@24.12", "ours"]);
  });

  it("rule selectors take a name, and family/version selectors still match a named server on what it runs", () => {
    const rules = `    - receiver: ours\n      outcome: fails\n    - initiator: ejabberd@<25\n      outcome: fails\n    - receiver: mine\n      outcome: fails\n`;
    const s = parseScenario(head(`  - {name: ours, server: ejabberd@24.12}\n  - {name: mine, family: prosody, image: x/prosody:1}\n`, rules), FILE);
    expect(s.expect.rules.map((r) => r.receiver ?? r.initiator)).toEqual(["ours", "ejabberd@<25", "mine"]);
    // A rule on versions of a family with a named server may match none: the name's version changes with a bump.
    expect(parseScenario(head(`  - {name: ours, server: ejabberd@26.07}\n  - prosody@13.0.7\n`, `    - receiver: ejabberd@<25.07\n      outcome: fails\n`), FILE).expect.rules).toHaveLength(1);
    expect(rejected(head(`  - ejabberd@26.07\n  - prosody@13.0.7\n`, `    - receiver: ejabberd@<25.07\n      outcome: fails\n`))).toEqual([
      `${FILE}:11:17: expect.rules[0].receiver: "ejabberd@<25.07" matches none of the scenario's servers; its ejabberd servers are ejabberd@26.07`,
    ]);
    expect(rejected(head(`  - {name: ours, server: ejabberd@24.12}\n  - prosody@13.0.7\n`, `    - receiver: theirs\n      outcome: fails\n`))).toEqual([
      `${FILE}:11:17: expect.rules[0].receiver: unknown server family or name "theirs" in selector "theirs"; known families: prosody, ejabberd, jabberd2, openfire; server names: ours`,
    ]);
  });

  it("rejects a name used twice, a name that is a family or family@version, and malformed image entries", () => {
    const lines = rejected(
      head(
        [
          "  - {name: ours, server: ejabberd@24.12}",
          "  - {name: ours, server: prosody@13.0.7}",
          "  - {name: ejabberd@26.07, server: ejabberd@24.12}",
          "  - {name: prosody, server: prosody@13.0.7}",
          "  - {name: a, family: ejabberd}",
          "  - {name: b, image: x/y:1}",
          "  - {family: ejabberd, image: x/y:1}",
          "  - {name: c, server: ejabberd@24.12, image: x/y:1, family: ejabberd}",
          "  - {name: d, family: jabberd, image: x/y:1}",
          "  - {name: e, server: prosody@13.0.7, layout: debian}",
          "",
        ].join("\n"),
      ),
    );
    expect(lines).toEqual([
      `${FILE}:4:12: servers[1].name: name "ours" is used twice (already servers[0]); give each server its own name`,
      `${FILE}:5:12: servers[2].name: invalid server name "ejabberd@26.07": family@version is how an unnamed server is called, so a name cannot be one; pick a name without "@", e.g. ours`,
      `${FILE}:6:12: servers[3].name: name "prosody" is a server family, which rule selectors could not tell from it; pick another, e.g. our-prosody`,
      `${FILE}:7:23: servers[4].family: "family" needs "image"; for a catalog server write server: ejabberd@<version>`,
      `${FILE}:8:22: servers[5].image: "image" needs "family": the server family whose adapter configures it (prosody, ejabberd, jabberd2, openfire)`,
      `${FILE}:9:5: servers[6]: an "image" entry needs a "name" (its version is known only once it runs), e.g. {name: ours, family: ejabberd, image: x/y:1}`,
      `${FILE}:10:46: servers[7].image: give either "server: family@version" or "family" and "image", not both`,
      `${FILE}:11:23: servers[8].family: unknown server family "jabberd"; allowed: prosody, ejabberd, openfire, jabberd2; did you mean "ejabberd"?`,
      `${FILE}:12:47: servers[9].layout: "layout" applies to an "image" entry only; a catalog server's layout is known`,
    ]);
  });

  describe("config:", () => {
    const dir = mkdtempSync(join(tmpdir(), "s2s-config-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("is read relative to the scenario file", async () => {
      mkdirSync(join(dir, "deploy"), { recursive: true });
      writeFileSync(join(dir, "deploy", "ejabberd.yml"), "s2s_use_starttls: required\n");
      const file = join(dir, "ok.yaml");
      writeFileSync(file, head(`  - {name: ours, server: ejabberd@24.12, config: ./deploy/ejabberd.yml}\n  - prosody@13.0.7\n`));
      const s = await loadScenario(file);
      expect(s.servers[0].config).toEqual({ file: join(dir, "deploy", "ejabberd.yml"), text: "s2s_use_starttls: required\n" });
    });

    it("that does not exist is an error at its line, with the path looked for", async () => {
      const file = join(dir, "missing.yaml");
      writeFileSync(file, head(`  - prosody@13.0.7\n  - name: ours\n    server: ejabberd@24.12\n    config: deploy/nope.yml\n`));
      await expect(loadScenario(file)).rejects.toThrow(
        `${file}:6:13: servers[1].config: config file "deploy/nope.yml" not found (looked for ${join(dir, "deploy", "nope.yml")}); the path is relative to the scenario file`,
      );
    });

    /** The issue a `config:` value gets, for a scenario file in `dir/scen/`. */
    const configIssue = async (config: string) => {
      mkdirSync(join(dir, "scen"), { recursive: true });
      const file = join(dir, "scen", "s.yaml");
      writeFileSync(file, head(`  - {name: ours, server: ejabberd@24.12, config: ${JSON.stringify(config)}}\n  - prosody@13.0.7\n`));
      return loadScenario(file).then(
        (s) => `read: ${s.servers[0].config?.text.length} characters`,
        (e: Error) => e.message,
      );
    };
    const outside = join(dir, "outside.yml");
    writeFileSync(outside, "s2s_use_starttls: required\n");

    it("outside the scenario's directory (../, an absolute path, a symlink out of it) is refused, naming the opt-in", async () => {
      mkdirSync(join(dir, "scen"), { recursive: true });
      symlinkSync(outside, join(dir, "scen", "link.yml"));
      const real = realpathSync(dir);
      for (const config of ["../outside.yml", outside, "./link.yml"]) {
        expect(await configIssue(config)).toContain(`is outside the scenario file's directory ${join(real, "scen")}; put it there, or allow its directory: S2S_MATRIX_CONFIG_DIRS=${real}`);
      }
    });

    it("outside, in a directory the operator allowed with S2S_MATRIX_CONFIG_DIRS, is read", async () => {
      vi.stubEnv("S2S_MATRIX_CONFIG_DIRS", `/nonexistent${delimiter}${dir}`);
      try {
        expect(await configIssue("../outside.yml")).toBe("read: 27 characters");
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it("that is a device, a FIFO or over 1 MiB is refused unread", async () => {
      execFileSync("mkfifo", [join(dir, "scen", "fifo.yml")]);
      writeFileSync(join(dir, "scen", "big.yml"), "#".repeat(MAX_CONFIG_BYTES + 1));
      expect(await configIssue("./fifo.yml")).toMatch(/config "\.\/fifo\.yml" \(.*fifo\.yml\) is not a regular file; give the server's configuration file/);
      expect(await configIssue("./big.yml")).toContain(`config "./big.yml" is 1.0 MiB, more than the 1 MiB a config file may have`);
      vi.stubEnv("S2S_MATRIX_CONFIG_DIRS", "/dev");
      try {
        expect(await configIssue("/dev/zero")).toContain(`config "/dev/zero" (/dev/zero) is not a regular file`);
      } finally {
        vi.unstubAllEnvs();
      }
    });
  });
});
