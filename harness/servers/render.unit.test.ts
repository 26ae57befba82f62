// Configuration rendering for the Debian layouts: what each server is told.
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { ejabberd, renderEjabberd } from "./ejabberd.ts";
import { prosody, prosodyPathEncode, renderProsody } from "./prosody.ts";
import { CATALOG } from "./catalog.ts";
import type { InstanceConfig } from "./adapter.ts";

const tls = (d: string) => ({ cert: `CERT ${d}\n`, key: `KEY ${d}\n`, fullchain: `CERT ${d}\nINTERMEDIATE\n` });
const config: InstanceConfig = {
  vhosts: [
    { domain: "c1-a.example", certificate: "server-only", dialback: "off", tls: tls("c1-a.example") },
    { domain: "c2-a.example", certificate: "dual-eku", dialback: "on", tls: tls("c2-a.example") },
  ],
  users: [{ username: "probe", password: 'p"w' }],
  trustedCa: "ROOT CA\n",
  secureAuth: true,
};
const entry = (fam: string) => CATALOG.find((e) => e.family === fam)!;

describe("Prosody", () => {
  const cfg = renderProsody(config).text;
  test("certificate authentication required, private CA trusted", () => {
    expect(cfg).toMatch(/^s2s_secure_auth = true$/m);
    expect(cfg).toMatch(/^s2s_require_encryption = true$/m);
    expect(cfg).toContain('ssl = { cafile = "/etc/prosody/certs/ca.crt" }');
  });
  test("dialback per VirtualHost, each with its own certificate", () => {
    const [, a, b] = cfg.split(/^VirtualHost /m);
    expect(a).toMatch(/^"c1-a.example"/);
    expect(a).not.toContain('"dialback"');
    expect(a).toContain('certificate = "/etc/prosody/certs/c1-a.example.crt"');
    expect(b).toMatch(/^"c2-a.example"/);
    expect(b).toContain('"dialback"');
  });
  test("files: fullchain, key 0600, accounts where internal_plain reads them", () => {
    const files = prosody.render(entry("prosody"), config).files;
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get("/etc/prosody/certs/c1-a.example.crt")?.content).toBe("CERT c1-a.example\nINTERMEDIATE\n");
    expect(byPath.get("/etc/prosody/certs/c1-a.example.key")?.mode).toBe(0o600);
    const account = byPath.get("/var/lib/prosody/c1%2da%2eexample/accounts/probe.dat");
    expect(account?.content).toContain('["password"] = "p\\"w"');
  });
  test("datamanager path encoding", () => {
    expect(prosodyPathEncode("c1-a.example")).toBe("c1%2da%2eexample");
  });
});

describe("ejabberd", () => {
  const doc = parse(renderEjabberd(config).text);
  test("STARTTLS required on s2s, private CA trusted, one PEM per host", () => {
    expect(doc.s2s_use_starttls).toBe("required");
    expect(doc.s2s_cafile).toBe("/etc/ejabberd/certs/ca.crt");
    expect(doc.hosts).toEqual(["c1-a.example", "c2-a.example"]);
    expect(doc.certfiles).toEqual(["/etc/ejabberd/certs/c1-a.example.pem", "/etc/ejabberd/certs/c2-a.example.pem"]);
  });
  test("mod_s2s_dialback only on the hosts with dialback on", () => {
    expect(doc.modules.mod_s2s_dialback).toBeUndefined();
    expect(doc.host_config["c1-a.example"].modules.mod_s2s_dialback).toBeUndefined();
    expect(doc.host_config["c2-a.example"].modules).toHaveProperty("mod_s2s_dialback");
    expect(doc.host_config["c2-a.example"].modules).toHaveProperty("mod_ping");
  });
  test("certificate and key in one file", () => {
    const pem = ejabberd.render(entry("ejabberd"), config).files.find((f) => f.path.endsWith("c1-a.example.pem"));
    expect(pem?.content).toBe("CERT c1-a.example\nINTERMEDIATE\nKEY c1-a.example\n");
    expect(pem?.mode).toBe(0o600);
  });
  test("no YAML anchors: ejabberd's parser must see plain maps", () => {
    expect(renderEjabberd(config).text).not.toMatch(/[&*]a\d/);
  });
});
