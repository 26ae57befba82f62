// An operator's own config file as the base (scenario `config:`): what is kept,
// what the harness overrides, which side wins, and what is reported per cell.
// Fixtures: realistic production files in fixtures/configs/.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { parse as parseXml, type Element } from "ltx";
import { UsageError } from "../../core/errors.ts";
import { CATALOG } from "./catalog.ts";
import type { InstanceConfig } from "./adapter.ts";
import { readLuaConfig, type LuaValue } from "./lua-config.ts";
import { prosody, renderProsody } from "./prosody.ts";
import { ejabberd, renderEjabberd } from "./ejabberd.ts";
import { openfireAdapter } from "./openfire.ts";
import { jabberd2 } from "./jabberd2.ts";
import { OPENFIRE_ENTRIES } from "./catalog.ts";
import { createCa } from "../../ca/index.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/configs/${name}`, import.meta.url), "utf8");
const tls = (d: string) => ({ cert: `CERT ${d}\n`, key: `KEY ${d}\n`, fullchain: `CERT ${d}\n` });
const withBase = (file: string, text: string): InstanceConfig => ({
  vhosts: [
    { domain: "c1-b.example", certificate: "untrusted", dialback: "on", tls: tls("c1-b.example") },
    { domain: "c2-b.example", certificate: "server-only", dialback: "off", tls: tls("c2-b.example") },
  ],
  users: [{ username: "probe", password: "pw" }],
  trustedCa: "ROOT CA\n",
  secureAuth: true,
  baseConfig: { file, text },
});

/** What Prosody ends up with: the last assignment of each option per section ("*" = global). */
function effective(lua: string): Map<string, Record<string, LuaValue | undefined>> {
  const out = new Map<string, Record<string, LuaValue | undefined>>();
  for (const s of readLuaConfig("rendered", lua).statements) {
    if (!s.option) continue;
    const key = s.scope.kind === "global" ? "*" : s.scope.name;
    out.set(key, { ...out.get(key), [s.option.name]: s.option.value });
  }
  return out;
}

describe("Prosody: the operator's prosody.cfg.lua", () => {
  const text = fixture("prosody.cfg.lua");
  const r = renderProsody(withBase("deploy/prosody.cfg.lua", text));
  const eff = effective(r.text);
  const global = eff.get("*")!;

  test("their policy is in force: s2s_secure_auth = false, their secure domains, their TLS options", () => {
    expect(global.s2s_secure_auth).toBe(false);
    expect(global.s2s_require_encryption).toBe(true);
    expect(r.settings).toMatchObject({
      s2s_secure_auth: "false (your config)",
      s2s_require_encryption: "true (your config)",
      s2s_secure_domains: '{ "jabber.partner.example" } (your config)',
    });
    expect(r.settings.ssl).toContain('protocol = "tlsv1_2+"');
  });

  test("the harness's process settings win (last assignment), theirs are commented out with a notice", () => {
    expect(global.pidfile).toBe("/var/run/prosody/prosody.pid");
    expect(global.storage).toBe("internal");
    expect(global.authentication).toBe("internal_plain");
    expect(global.daemonize).toBe(false);
    expect(global.sql).toBeUndefined();
    expect((global.plugin_paths as { list: unknown[] }).list).toEqual([]);
    expect(r.text).not.toMatch(/^pidfile = "\/run\/prosody/m);
    for (const what of ["pidfile", "storage", "authentication", "plugin_paths", "log", "certificates"]) {
      expect(r.notices.some((n) => n.includes(`: ${what}`) && n.includes("overridden")), what).toBe(true);
    }
    expect(r.notices.find((n) => n.includes(": pidfile"))).toMatch(/^deploy\/prosody\.cfg\.lua:\d+: pidfile = "\/run\/prosody\/prosody\.pid" overridden/);
  });

  test("secrets stay out of the notices", () => {
    expect(r.notices.join("\n")).not.toContain("s3cret");
  });

  test("their VirtualHost and Component sections are left out; only the test hosts remain, with the test certificates", () => {
    expect([...eff.keys()].sort()).toEqual(["*", "c1-b.example", "c2-b.example"]);
    expect(r.notices.some((n) => /:96: VirtualHost "xmpp\.example" left out.*s2s_insecure_domains/.test(n))).toBe(true);
    expect(r.notices.some((n) => /Component "conference\.xmpp\.example" left out/.test(n))).toBe(true);
    expect(r.notices.some((n) => /Include "conf\.d\/\*\.cfg\.lua"/.test(n))).toBe(true);
    expect(r.text).not.toContain("/etc/letsencrypt");
    const ssl = eff.get("c1-b.example")!.ssl as { keys: Record<string, LuaValue> };
    expect(ssl.keys).toMatchObject({ certificate: "/etc/prosody/certs/c1-b.example.crt", cafile: "/etc/prosody/certs/ca.crt", protocol: "tlsv1_2+" });
    expect(ssl.keys.dhparam).toBeUndefined();
  });

  test("the cell's dialback wins over their modules, per host", () => {
    const list = (v: LuaValue | undefined) => (v as { list: unknown[] }).list;
    expect(list(global.modules_enabled)).toEqual(expect.arrayContaining(["dialback", "mam", "smacks", "ping"]));
    expect(list(eff.get("c1-b.example")!.modules_enabled)).toEqual(["dialback"]);
    expect(list(eff.get("c2-b.example")!.modules_disabled)).toEqual(["dialback"]);
    expect(r.hostSettings["c1-b.example"].dialback).toBe("on (scenario)");
    expect(r.hostSettings["c2-b.example"].dialback).toBe("off (scenario; your config: on)");
    expect(r.notices.some((n) => n.includes("modules_enabled: added ping"))).toBe(true);
  });

  test("values read from files on their machine are left out", () => {
    expect(global.http_upload_external_secret).toBeUndefined();
    expect(r.notices.some((n) => /http_upload_external_secret left out: FileContents\(\)/.test(n))).toBe(true);
  });

  test("their lines keep their numbers, so Prosody's own error lines point into their file", () => {
    const theirs = text.split("\n");
    const rendered = r.text.split("\n");
    const n = theirs.findIndex((l) => l.startsWith("s2s_secure_auth"));
    expect(rendered[n]).toBe(theirs[n]);
    const m = theirs.findIndex((l) => l.startsWith("contact_info"));
    expect(rendered[m]).toBe(theirs[m]);
  });

  test("Host \"*\" returns to the global section; a policy set after it counts", () => {
    const t = `VirtualHost "prod.example"\n  s2s_secure_auth = true\nHost "*"\ns2s_secure_auth = false\n`;
    const x = renderProsody(withBase("p.cfg.lua", t));
    expect(effective(x.text).get("*")!.s2s_secure_auth).toBe(false);
    expect(x.settings.s2s_secure_auth).toBe("false (your config)");
  });

  test("not set in their file: Prosody's own default is in force, and said so", () => {
    const x = renderProsody(withBase("p.cfg.lua", `admins = {}\n`));
    expect(x.settings.s2s_secure_auth).toBe("false (Prosody default)");
    expect(x.text).not.toMatch(/^s2s_secure_auth/m);
  });

  test("without a config: the harness's stock settings, reported as such", () => {
    const x = renderProsody({ ...withBase("", ""), baseConfig: undefined });
    expect(x.settings).toEqual({ s2s_secure_auth: "true (s2s-matrix)", s2s_require_encryption: "true (s2s-matrix)" });
    expect(x.notices).toEqual([]);
  });

  test("non-ASCII text (comments, strings, host names) passes through unchanged", () => {
    const t = `-- Betreiber: Jörg, Kosten in €\ncontact_info = { admin = { "xmpp:jörg@日本.example" } }\npidfile = "/run/ü.pid"\nVirtualHost "jörg.example"\n`;
    const x = renderProsody(withBase("p.cfg.lua", t));
    expect(x.text.startsWith(`-- Betreiber: Jörg, Kosten in €\ncontact_info = { admin = { "xmpp:jörg@日本.example" } }\n`)).toBe(true);
    expect(x.text).toContain(`--[s2s-matrix] VirtualHost "jörg.example"`);
    expect(x.notices).toContain(`p.cfg.lua:3: pidfile = "/run/ü.pid" overridden: the container has its own`);
  });

  test("a file name with a line break stays inside the rendered file's comment", () => {
    const x = renderProsody(withBase("deploy/p.cfg.lua\nevil_injected = true --", "admins = {}\n"));
    expect(effective(x.text).get("*")!.evil_injected).toBeUndefined();
    expect(x.text).toContain(`above, "deploy/p.cfg.lua\\nevil_injected = true --"`);
  });

  test("a Lua syntax error is bad input naming file, line and column", () => {
    const bad = () => renderProsody(withBase("deploy/prosody.cfg.lua", `admins = { "a@b" }\nmodules_enabled = { "roster" \n`));
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(/^deploy\/prosody\.cfg\.lua:3:\d+: not valid Lua/);
  });

  test("the adapter hands settings and notices on", () => {
    const entry = CATALOG.find((e) => e.family === "prosody")!;
    const out = prosody.render(entry, withBase("deploy/prosody.cfg.lua", text));
    expect(out.settings?.s2s_secure_auth).toBe("false (your config)");
    expect(out.notices?.length).toBeGreaterThan(5);
    expect(out.files.some((f) => f.path.endsWith("/accounts/probe.dat"))).toBe(true);
  });
});

describe("ejabberd: the operator's ejabberd.yml", () => {
  const r = renderEjabberd(withBase("deploy/ejabberd.yml", fixture("ejabberd.yml")));
  const doc = parse(r.text);

  test("their policy and options are kept: s2s_use_starttls, TLS macros, access rules, shapers", () => {
    expect(doc.s2s_use_starttls).toBe("optional");
    expect(doc.s2s_ciphers).toBe("TLS_CIPHERS");
    expect(doc.define_macro.TLS_OPTIONS).toContain("no_tlsv1_1");
    expect(doc.access_rules.s2s).toEqual({ deny: "blocked_servers", allow: "all" });
    expect(doc.acl.blocked_servers).toEqual({ server: ["spam.example"] });
    expect(r.settings).toMatchObject({ s2s_use_starttls: "optional (your config)", s2s_access: "s2s (your config)" });
  });

  test("a file name with a line break stays inside the rendered file's comment", () => {
    const x = renderEjabberd(withBase("deploy/e.yml\nevil_injected: true #", "s2s_use_starttls: optional\n"));
    expect(parse(x.text).evil_injected).toBeUndefined();
    expect(x.text.split("\n")[0]).toContain(`from "deploy/e.yml\\nevil_injected: true #"`);
  });

  test("integer keys stay integers (ejabberd rejects \"5000\")", () => {
    expect(r.text).toMatch(/^ {4}5000: admin$/m);
  });

  test("hosts, certificates, listeners, auth, database and log level are the harness's, each with a notice", () => {
    expect(doc.hosts).toEqual(["c1-b.example", "c2-b.example"]);
    expect(doc.certfiles).toEqual(["/etc/ejabberd/certs/c1-b.example.pem", "/etc/ejabberd/certs/c2-b.example.pem"]);
    expect(doc.listen.map((l: { port: number }) => l.port)).toEqual([5222, 5269]);
    expect(doc.auth_method).toEqual(["external"]);
    expect(doc.loglevel).toBe("info");
    for (const k of ["default_db", "sql_type", "sql_server", "s2s_dhfile", "acme", "auth_password_format"]) expect(doc[k], k).toBeUndefined();
    expect(doc.modules.mod_mam).toEqual({ assume_mam_usage: true, default: "always" });
    for (const what of ["hosts", "certfiles", "listen", "default_db", "sql_server", "auth_method", "s2s_dhfile", "acme", "mod_mam: db_type"]) {
      expect(r.notices.some((n) => n.includes(` ${what}`) && n.includes("overridden")), what).toBe(true);
    }
    expect(r.notices.find((n) => n.includes(" listen "))).toMatch(/^deploy\/ejabberd\.yml:35: listen overridden/);
    expect(r.notices.join("\n")).not.toContain("s3cret");
  });

  test("the cell's dialback wins: mod_s2s_dialback only on the hosts with dialback on, with their options", () => {
    expect(doc.modules.mod_s2s_dialback).toBeUndefined();
    expect(doc.host_config["c1-b.example"].modules).toHaveProperty("mod_s2s_dialback");
    expect(doc.host_config["c1-b.example"].modules).toHaveProperty("mod_muc");
    expect(doc.host_config["c2-b.example"].modules.mod_s2s_dialback).toBeUndefined();
    expect(doc.host_config["c2-b.example"].modules).toHaveProperty("mod_ping");
    expect(r.hostSettings["c2-b.example"].dialback).toBe("off (scenario; your config: on)");
  });

  test("not set in their file: ejabberd's default is in force, and said so", () => {
    const x = renderEjabberd(withBase("e.yml", "loglevel: info\n"));
    expect(parse(x.text).s2s_use_starttls).toBeUndefined();
    expect(x.settings.s2s_use_starttls).toBe("false (ejabberd default)");
    expect(x.hostSettings["c1-b.example"].dialback).toBe("on (scenario; your config: off)");
  });

  test("invalid YAML is bad input naming file and line", () => {
    expect(() => renderEjabberd(withBase("deploy/ejabberd.yml", "hosts:\n  - a\n bad: [\n"))).toThrow(/^deploy\/ejabberd\.yml:3:\d+: not valid YAML/);
  });

  test("an alias bomb, or an alias without its anchor, is bad input (exit 2) at the alias's line, not a crash", () => {
    const levels = "abcdefghi".split("");
    const bomb = levels.map((l, i) => `${l}: &${l} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(",")}]`).join("\n");
    const refusal = (text: string) => {
      try {
        renderEjabberd(withBase("deploy/ejabberd.yml", text));
      } catch (e) {
        return e;
      }
      throw new Error("rendered");
    };
    expect(refusal(`loglevel: info\n${bomb}\n`)).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^deploy\/ejabberd\.yml:3:\d+: YAML aliases expand to too many nodes \(more than 100\).*\n  fix: /) });
    expect(refusal("loglevel: info\nmodules:\n  mod_ping: *nowhere\n")).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^deploy\/ejabberd\.yml:3:13: YAML alias \*nowhere has no anchor/) });
  });

  test("the adapter hands settings and notices on", () => {
    const entry = CATALOG.find((e) => e.family === "ejabberd")!;
    const out = ejabberd.render(entry, withBase("deploy/ejabberd.yml", fixture("ejabberd.yml")));
    expect(out.settings?.s2s_use_starttls).toBe("optional (your config)");
    expect(out.notices?.length).toBeGreaterThan(5);
  });
});

// Openfire cannot run on this machine (no image can be pulled): its merge is tested here only.
describe("Openfire: the operator's openfire.xml", async () => {
  const ca = await createCa({ tld: "example" });
  const cert = await ca.issue("c1-b.example", "dual-eku");
  const config = (dialback: "on" | "off"): InstanceConfig => ({
    vhosts: [{ domain: "c1-b.example", certificate: "dual-eku", dialback, tls: cert }],
    users: [{ username: "probe", password: "pw" }],
    trustedCa: ca.trustBundle,
    secureAuth: true,
    baseConfig: { file: "deploy/openfire.xml", text: fixture("openfire.xml") },
  });
  const out = openfireAdapter.render(OPENFIRE_ENTRIES[0], config("on"));
  const xml = parseXml(String(out.files.find((f) => f.path.endsWith("/openfire.xml"))!.content)) as Element;
  const at = (path: string) => path.split(".").reduce<Element | undefined>((e, n) => e?.getChild(n), xml)?.getText();

  test("their s2s properties win; the cell's dialback and the harness's database, domain and setup win over theirs", () => {
    expect(at("xmpp.server.tls.policy")).toBe("optional");
    expect(at("xmpp.server.certificate.accept-selfsigned")).toBe("true");
    expect(at("xmpp.server.cert.policy")).toBe("needed");
    expect(at("xmpp.server.dialback.enabled")).toBe("true");
    expect(at("connectionProvider.className")).toBe("org.jivesoftware.database.EmbeddedConnectionProvider");
    expect(at("autosetup.xmpp.domain")).toBe("c1-b.example");
    expect(xml.getChild("setup")).toBeUndefined();
    expect(xml.getChild("database")).toBeUndefined();
    expect(at("adminConsole.port")).toBe("9090");
  });

  test("settings in force and notices", () => {
    expect(out.settings).toMatchObject({
      "xmpp.server.tls.policy": "optional (your config)",
      "xmpp.server.cert.policy": "needed (s2s-matrix)",
    });
    expect(out.hostSettings?.["c1-b.example"].dialback).toBe("on (scenario; your config: off)");
    for (const what of ["<database>", "<setup>", "<xmpp><domain>", "<network>", "<xmpp><server><dialback><enabled>"]) {
      expect(out.notices?.some((n) => n.includes(what)), what).toBe(true);
    }
  });

  test("their c2s TLS policy gives way to the probe's (its login inside TLS), with a notice", () => {
    const text = fixture("openfire.xml").replace("<xmpp>", "<xmpp><client><tls><policy>optional</policy></tls></client>");
    const theirs = openfireAdapter.render(OPENFIRE_ENTRIES[0], { ...config("off"), baseConfig: { file: "deploy/openfire.xml", text } });
    const merged = parseXml(String(theirs.files.find((f) => f.path.endsWith("/openfire.xml"))!.content)) as Element;
    expect(merged.getChild("xmpp")?.getChild("client")?.getChild("tls")?.getChildText("policy")).toBe("required");
    expect(theirs.notices?.some((n) => n.includes("<xmpp><client><tls><policy>"))).toBe(true);
  });

  test("not XML, or not an openfire.xml: bad input naming the file", () => {
    const bad = (text: string) => () => openfireAdapter.render(OPENFIRE_ENTRIES[0], { ...config("off"), baseConfig: { file: "deploy/openfire.xml", text } });
    expect(bad("<jive><a></jive>")).toThrow(/^deploy\/openfire\.xml: not well-formed XML/);
    expect(bad("<config/>")).toThrow(/root element is <config>/);
  });
});

describe("jabberd2: the operator's s2s.xml", () => {
  const entry = CATALOG.find((e) => e.family === "jabberd2")!;
  const render = (text: string) => jabberd2.render(entry, withBase("deploy/s2s.xml", text));
  const out = render(fixture("s2s.xml"));
  const s2s = parseXml(String(out.files.find((f) => f.path === "/etc/jabberd2/s2s.xml")!.content)) as Element;
  const at = (path: string) => path.split(".").reduce<Element | undefined>((e, n) => e?.getChild(n), s2s);

  test("their policy is in force: no verify-mode (jabberd2's 0), <require_tls/>, their ciphers on every test host", () => {
    const ids = at("local")!.getChildren("id");
    expect(ids.map((id) => id.getText())).toEqual(["c1-b.example", "c2-b.example"]);
    for (const id of ids) {
      expect(id.attrs).toMatchObject({ pemfile: `/etc/jabberd2/certs/${id.getText()}.pem`, cachain: "/etc/jabberd2/certs/ca.crt", ciphers: "HIGH:!aNULL" });
      expect(id.attrs["verify-mode"]).toBeUndefined();
    }
    expect(at("security.require_tls")?.getText()).toBe("");
    expect(out.settings).toMatchObject({
      require_tls: "0 (your config: <require_tls/> reads as 0)",
      "verify-mode": "0 (jabberd2 default: no check)",
      ciphers: "HIGH:!aNULL (your config)",
      "check/retry": "1 s (s2s-matrix; jabberd2 default 300)",
    });
  });

  test("their io, check and lookup are kept, repeated <srv> as a set; retry, bad-host-timeout and no connection reuse stay the harness's", () => {
    expect(at("io.max_fds")?.getText()).toBe("4096");
    expect(at("io.limits.stanzasize")?.getText()).toBe("131072");
    expect(at("check.queue")?.getText()).toBe("60");
    expect(at("check.retry")?.getText()).toBe("1");
    expect(at("lookup")!.getChildren("srv").map((e) => e.getText())).toEqual(["xmpp-server", "jabber"]);
    expect(at("lookup.bad-host-timeout")?.getText()).toBe("0");
    expect(at("out-conn-reuse")).toBeUndefined();
    expect(out.notices?.some((n) => n.includes("<out-conn-reuse> overridden"))).toBe(true);
  });

  test("the test instance's router, log, listener and secret; their whitelist and stats file go, each with a notice", () => {
    expect(at("router.pass")?.getText()).not.toBe("hunter2");
    expect(at("log")?.attrs.type).toBe("stdout");
    expect(at("local.port")?.getText()).toBe("5269");
    expect(at("local.secret")?.getText()).not.toBe("operator-dialback-secret");
    expect(at("security.whitelist_domain")).toBeUndefined();
    expect(at("stats")).toBeUndefined();
    for (const what of ["<router>", "<log>", "<local>", "<check><retry>", "<lookup><bad-host-timeout>", "<security><whitelist_domain>", "<stats>"]) {
      expect(out.notices?.some((n) => n.startsWith("deploy/s2s.xml: ") && n.includes(what)), what).toBe(true);
    }
    expect(out.notices?.join("\n")).not.toMatch(/hunter2|operator-dialback-secret/);
  });

  test("verify-mode from their <id>, else from <local>; ids that disagree are said", () => {
    const withIds = (ids: string, local = "") => render(`<s2s><local>${local}${ids}</local><security><require_tls>1</require_tls></security></s2s>`);
    expect(withIds("<id verify-mode='7'>a.example</id>").settings).toMatchObject({ "verify-mode": "7 (your config)", require_tls: "1 (your config)" });
    expect(withIds("<id>a.example</id>", "<verify-mode>5</verify-mode>").settings?.["verify-mode"]).toBe("5 (your config)");
    const mixed = withIds("<id verify-mode='0'>a.example</id><id verify-mode='7'>b.example</id>");
    expect(mixed.notices).toContain("deploy/s2s.xml: your <id> elements set verify-mode 0 and 7; every test host takes 0");
    const rendered = String(mixed.files.find((f) => f.path === "/etc/jabberd2/s2s.xml")!.content);
    expect(rendered.match(/verify-mode="0"/g)).toHaveLength(2);
  });

  test("without a config: the harness's stock policy, reported as such", () => {
    const stock = jabberd2.render(entry, { ...withBase("x", ""), baseConfig: undefined });
    expect(stock.settings).toMatchObject({ require_tls: "1 (s2s-matrix)", "verify-mode": "7 (s2s-matrix; jabberd2 default 0: no check)" });
    expect(stock.notices).toEqual([]);
  });

  test("not XML, or not an s2s.xml (c2s.xml given by mistake): bad input naming the file", () => {
    expect(() => render("<s2s><local></s2s>")).toThrow(/^deploy\/s2s\.xml: not well-formed XML/);
    expect(() => render("<c2s/>")).toThrow(UsageError);
    expect(() => render("<c2s/>")).toThrow(/root element is <c2s>, \/etc\/jabberd2\/s2s\.xml has <s2s>/);
  });
});
