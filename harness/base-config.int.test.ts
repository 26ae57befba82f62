// An operator's own config file (scenario `config:`) changes what a cell does, on
// real servers: the same pairs run once on the harness's stock configs and once
// with the operator's file as the receiver's base. The untrusted initiator's c2s
// login needs the probe to skip verifying a certificate meant to fail (h14's probe change).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { probePairs } from "./index.ts";
import type { CellResult, CellSide } from "../core/types.ts";

const side = (server: string, certificate: CellSide["certificate"], dialback: CellSide["dialback"]): CellSide => ({ server, certificate, dialback });
const fixture = (name: string) => readFileSync(new URL(`./servers/fixtures/configs/${name}`, import.meta.url), "utf8");

// Prosody: an untrusted initiator with dialback. The stock config requires certificate
// authentication (s2s_secure_auth = true); the operator's says false, so dialback lets it in.
// ejabberd: an operator's ejabberd.yml that never sets s2s_use_starttls (ejabberd's
// default: false): it offers no STARTTLS, and Prosody, which requires encryption, gives up.
const PROSODY = "prosody@0.12.3";
const EJABBERD = "ejabberd@26.07";
const JABBERD2 = "jabberd2@2.7.0";
const PAIRS = {
  serverOnlyToJabberd2: { initiator: side("prosody@13.0.7", "server-only", "on"), receiver: side(JABBERD2, "dual-eku", "on") },
  untrustedDialback: { initiator: side("prosody@13.0.7", "untrusted", "on"), receiver: side(PROSODY, "dual-eku", "on") },
  untrustedNoDialback: { initiator: side("prosody@13.0.7", "untrusted", "on"), receiver: side(PROSODY, "dual-eku", "off") },
  noStarttls: { initiator: side("prosody@13.0.7", "dual-eku", "off"), receiver: side(EJABBERD, "dual-eku", "off") },
};
const ejabberdWithoutStarttls = fixture("ejabberd.yml").replace(/^s2s_use_starttls: .*\n/m, "");
type Configs = Record<string, { file: string; text: string }>;

/** The given pairs on stock configs, then with the operator's files. */
function stockAndTheirs<K extends keyof typeof PAIRS>(keys: K[], configs: Configs) {
  const out = {} as { stock: Record<K, CellResult>; theirs: Record<K, CellResult> };
  const run = async (baseConfigs?: Configs) => {
    const results = await probePairs(keys.map((k) => PAIRS[k]), { baseConfigs, concurrency: 3 });
    return Object.fromEntries(keys.map((k, i) => [k, results[i]])) as Record<K, CellResult>;
  };
  beforeAll(async () => {
    out.stock = await run();
    out.theirs = await run(configs);
  }, 900_000);
  return out;
}

describe("Prosody receiver with the operator's prosody.cfg.lua (s2s_secure_auth = false)", () => {
  const r = stockAndTheirs(["untrustedDialback", "untrustedNoDialback"], { [PROSODY]: { file: "deploy/prosody.cfg.lua", text: fixture("prosody.cfg.lua") } });

  test("stock config: an untrusted initiator is refused even with dialback", () => {
    const c = r.stock.untrustedDialback;
    expect(c.outcome).toBe("fails");
    expect(c.auth.outbound).toBe("none");
    expect(c.reason).toMatch(/trust|certificate/i);
    expect(c.settings?.receiver.s2s_secure_auth).toBe("true (s2s-matrix)");
  });

  test("their config: the untrusted initiator federates via dialback; the cell shows why", () => {
    const c = r.theirs.untrustedDialback;
    expect(c.outcome).toBe("federates");
    expect(c.auth.outbound).toBe("dialback");
    expect(c.settings?.receiver).toMatchObject({ s2s_secure_auth: "false (your config)", dialback: "on (scenario)" });
    expect(c.settings?.initiator.s2s_secure_auth).toBe("true (s2s-matrix)");
  });

  test("their config but the cell's dialback off: the scenario wins, no dialback, refused", () => {
    const c = r.theirs.untrustedNoDialback;
    expect(c.outcome).toBe("fails");
    expect(c.auth.outbound).toBe("none");
    expect(c.settings?.receiver.dialback).toBe("off (scenario; your config: on)");
  });
});

describe("ejabberd receiver with the operator's ejabberd.yml that never sets s2s_use_starttls", () => {
  const r = stockAndTheirs(["noStarttls"], { [EJABBERD]: { file: "deploy/ejabberd.yml", text: ejabberdWithoutStarttls } });

  test("stock config: STARTTLS required, federates via SASL EXTERNAL", () => {
    expect(r.stock.noStarttls.outcome).toBe("federates");
    expect(r.stock.noStarttls.settings?.receiver.s2s_use_starttls).toBe("required (s2s-matrix)");
  });

  test("their file: no STARTTLS offered (ejabberd's default), Prosody refuses to go on unencrypted", () => {
    const c = r.theirs.noStarttls;
    expect(c.outcome).toBe("fails");
    expect(c.reason).toMatch(/starttls/i);
    expect(c.settings?.receiver).toMatchObject({ s2s_use_starttls: "false (ejabberd default)", s2s_access: "s2s (your config)" });
  });
});

// jabberd2: the packaged s2s.xml sets no verify-mode (0: OpenSSL checks nothing), so a
// server-only initiator, refused under the stock verify-mode 7, gets in by dialback.
describe("jabberd2 receiver with the operator's s2s.xml (no verify-mode)", () => {
  const r = stockAndTheirs(["serverOnlyToJabberd2"], { [JABBERD2]: { file: "deploy/s2s.xml", text: fixture("s2s.xml") } });

  test("stock config (verify-mode 7): the server-only initiator is refused at the handshake", () => {
    const c = r.stock.serverOnlyToJabberd2;
    expect(c.outcome).toBe("fails");
    expect(c.settings?.receiver["verify-mode"]).toBe("7 (s2s-matrix; jabberd2 default 0: no check)");
    // The probe's c2s login on loopback is unencrypted (client.ts startTlsWanted): jabberd2's
    // line ends in "<address>:<port> TLS" for an encrypted session, "<address>:<port> " else.
    const login = c.logs.find((l) => l.includes("PLAIN authentication succeeded: probe@"));
    expect(login).toMatch(/ \d+\.\d+\.\d+\.\d+:\d+ ?$/);
  });

  test("their s2s.xml: the server-only initiator federates by dialback; the cell shows why", () => {
    const c = r.theirs.serverOnlyToJabberd2;
    expect(c.outcome).toBe("federates");
    expect(c.auth.outbound).toBe("dialback");
    expect(c.settings?.receiver).toMatchObject({ "verify-mode": "0 (jabberd2 default: no check)", require_tls: "0 (your config: <require_tls/> reads as 0)", ciphers: "HIGH:!aNULL (your config)" });
  });
});

describe("a config file the server itself rejects", () => {
  test("stops the run with exit 3, naming the file, with the server's own lines", async () => {
    // Valid YAML, so the harness merges it; ejabberd refuses the value when it starts.
    const text = fixture("ejabberd.yml").replace(/^s2s_use_starttls: .*$/m, "s2s_use_starttls: maybe");
    const run = probePairs([PAIRS.noStarttls], { baseConfigs: { [EJABBERD]: { file: "deploy/ejabberd.yml", text } } });
    const err = (await run.then(() => undefined, (e: unknown) => e)) as Error & { exitCode?: number };
    expect(err?.exitCode).toBe(3);
    expect(err.message).toMatch(/stopped while starting: the server rejected the configuration made from deploy\/ejabberd\.yml/);
    expect(err.message).toMatch(/Invalid value of option s2s_use_starttls/);
    expect(err.message).toMatch(/fix: correct deploy\/ejabberd\.yml/);
  });
});
