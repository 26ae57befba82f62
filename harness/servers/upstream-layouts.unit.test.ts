// What the prosody and ejabberd adapters render for the upstream images
// (prosodyim/prosody, ghcr.io/processone/ejabberd) next to the Debian-built ones:
// paths, file modes, commands. The images themselves are not on this machine;
// see upstream.int.test.ts for the run that needs them.
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { CATALOG, adapterFor } from "./catalog.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile } from "./adapter.ts";
import { ejabberd } from "./ejabberd.ts";
import { prosody } from "./prosody.ts";
import { ejabberdAuthScript } from "./ejabberd-extauth.ts";
import { EJABBERD_LAYOUTS, ejabberdReadyCommand, layoutOf } from "./upstream-layouts.ts";

const tls = (d: string) => ({ cert: `CERT ${d}\n`, key: `KEY ${d}\n`, fullchain: `CERT ${d}\nINTERMEDIATE\n` });
const config: InstanceConfig = {
  vhosts: [
    { domain: "c1-a.example", certificate: "server-only", dialback: "off", tls: tls("c1-a.example") },
    { domain: "c2-b.example", certificate: "dual-eku", dialback: "on", tls: tls("c2-b.example") },
  ],
  users: [{ username: "probe", password: "secret" }],
  trustedCa: "ROOT CA\n",
  secureAuth: true,
};
const find = (key: string): CatalogEntry => {
  const e = CATALOG.find((x) => `${x.family}@${x.version}` === key);
  if (!e) throw new Error(`no catalog entry ${key}`);
  return e;
};
const files = (list: RenderedFile[]) => new Map(list.map((f) => [f.path, f]));

describe("Prosody, upstream image prosodyim/prosody", () => {
  const entry = find("prosody@13.0");
  const rendered = prosody.render(entry, config);
  const byPath = files(rendered.files);
  const cfg = String(byPath.get("/etc/prosody/prosody.cfg.lua")?.content);

  test("the catalog entry is the upstream image", () => {
    expect(entry.source).toEqual({ kind: "upstream", image: "prosodyim/prosody:13.0" });
    expect(find("prosody@0.12").source).toEqual({ kind: "upstream", image: "prosodyim/prosody:0.12" });
  });

  test("config, certificates and accounts where the image's Prosody reads them", () => {
    expect([...byPath.keys()].sort()).toEqual([
      "/etc/prosody/certs/c1-a.example.crt",
      "/etc/prosody/certs/c1-a.example.key",
      "/etc/prosody/certs/c2-b.example.crt",
      "/etc/prosody/certs/c2-b.example.key",
      "/etc/prosody/certs/ca.crt",
      "/etc/prosody/prosody.cfg.lua",
      "/var/lib/prosody/c1%2da%2eexample/accounts/probe.dat",
      "/var/lib/prosody/c2%2db%2eexample/accounts/probe.dat",
    ]);
    expect(cfg).toContain('certificate = "/etc/prosody/certs/c1-a.example.crt", key = "/etc/prosody/certs/c1-a.example.key"');
  });

  test("keys and accounts are readable by the unprivileged prosody user (Docker copies them in as root)", () => {
    expect(byPath.get("/etc/prosody/certs/c1-a.example.key")?.mode).toBe(0o644);
    expect(byPath.get("/var/lib/prosody/c1%2da%2eexample/accounts/probe.dat")?.mode).toBe(0o644);
  });

  test("only accounts on disk, every other store in memory (the directories we create are root-owned)", () => {
    expect(cfg).toMatch(/^storage = \{ accounts = "internal" \}$/m);
    expect(cfg).toMatch(/^default_storage = "memory"$/m);
    expect(cfg).not.toMatch(/^storage = "internal"$/m);
    expect(cfg).toContain('data_path = "/var/lib/prosody"');
  });

  test("pidfile in /tmp, readiness on it, logs to the console (container stdout)", () => {
    expect(cfg).toContain('pidfile = "/tmp/s2s-matrix-prosody.pid"');
    expect(prosody.readyCommand(entry)).toBe("test -s /tmp/s2s-matrix-prosody.pid && kill -0 $(cat /tmp/s2s-matrix-prosody.pid)");
    expect(cfg).toContain('to = "console"');
    expect(cfg).toMatch(/^daemonize = false$/m);
  });

  test("the image's entrypoint starts `prosody -F`; the version comes from the installed release", () => {
    expect(rendered.command).toEqual(["prosody", "-F"]);
    expect(rendered.env).toEqual({ __FLUSH_LOG: "yes" });
    expect(prosody.versionCommand(entry)).toMatch(/^cat \/usr\/lib\/prosody\/prosody\.version 2>\/dev\/null \|\| dpkg-query /);
  });

  test("the Debian layout is unchanged: keys 0600, writable internal storage, start script of the image", () => {
    const debian = find("prosody@13.0.7");
    const r = prosody.render(debian, config);
    const d = files(r.files);
    expect(d.get("/etc/prosody/certs/c1-a.example.key")?.mode).toBe(0o600);
    expect(String(d.get("/etc/prosody/prosody.cfg.lua")?.content)).toMatch(/^storage = "internal"$/m);
    expect(String(d.get("/etc/prosody/prosody.cfg.lua")?.content)).toContain('pidfile = "/var/run/prosody/prosody.pid"');
    expect(r.command).toBeUndefined();
    expect(prosody.readyCommand(debian)).toBe("test -s /var/run/prosody/prosody.pid && kill -0 $(cat /var/run/prosody/prosody.pid)");
    expect(prosody.versionCommand(debian)).toBe("cat /etc/s2s-matrix-version");
  });
});

describe("ejabberd, upstream image ghcr.io/processone/ejabberd", () => {
  const entry = find("ejabberd@25.08");
  const rendered = ejabberd.render(entry, config);
  const byPath = files(rendered.files);
  const doc = parse(String(byPath.get("/opt/ejabberd/conf/ejabberd.yml")?.content));

  test("the catalog has 25.07 and 25.08 as upstream images", () => {
    expect(find("ejabberd@25.07").source).toEqual({ kind: "upstream", image: "ghcr.io/processone/ejabberd:25.07" });
    expect(entry.source).toEqual({ kind: "upstream", image: "ghcr.io/processone/ejabberd:25.08" });
  });

  test("config and certificates under /opt/ejabberd/conf, readable by the ejabberd user", () => {
    expect([...byPath.keys()].sort()).toEqual([
      "/opt/ejabberd/conf/certs/c1-a.example.pem",
      "/opt/ejabberd/conf/certs/c2-b.example.pem",
      "/opt/ejabberd/conf/certs/ca.crt",
      "/opt/ejabberd/conf/ejabberd.yml",
      "/opt/ejabberd/conf/s2s-matrix-auth.sh",
    ]);
    expect(byPath.get("/opt/ejabberd/conf/ejabberd.yml")?.mode).toBe(0o644);
    expect(byPath.get("/opt/ejabberd/conf/certs/c1-a.example.pem")?.mode).toBe(0o644);
    expect(doc.certfiles).toEqual(["/opt/ejabberd/conf/certs/c1-a.example.pem", "/opt/ejabberd/conf/certs/c2-b.example.pem"]);
    expect(doc.ca_file).toBe("/opt/ejabberd/conf/certs/ca.crt");
    expect(doc.s2s_cafile).toBe("/opt/ejabberd/conf/certs/ca.crt");
  });

  test("the same server settings as the Debian layout", () => {
    expect(doc.s2s_use_starttls).toBe("required");
    expect(doc.hosts).toEqual(["c1-a.example", "c2-b.example"]);
    expect(doc.host_config["c1-a.example"].modules.mod_s2s_dialback).toBeUndefined();
    expect(doc.host_config["c2-b.example"].modules).toHaveProperty("mod_s2s_dialback");
  });

  test("extauth is the sh script copied in (no Perl in the image), executable", () => {
    expect(doc.auth_method).toEqual(["external"]);
    expect(doc.extauth_program).toBe("/opt/ejabberd/conf/s2s-matrix-auth.sh");
    const script = byPath.get("/opt/ejabberd/conf/s2s-matrix-auth.sh");
    expect(script?.content).toBe(ejabberdAuthScript(config.users, "sh"));
    expect(script?.mode).toBe(0o755);
  });

  test("command `foreground` after the image's `tini -- ejabberdctl`; readiness by the log line, not the 1-minute HEALTHCHECK", () => {
    expect(rendered.command).toEqual(["foreground"]);
    const ready = ejabberd.readyCommand(entry);
    expect(ready).toContain("'/opt/ejabberd/logs/ejabberd.log'");
    expect(ready).toContain("is started in the node");
    expect(ready).not.toContain("ejabberdctl");
    expect(ejabberd.versionCommand(entry)).toContain("/opt/ejabberd/logs/ejabberd.log");
  });

  test("the Debian layout is unchanged", () => {
    const debian = find("ejabberd@26.07");
    const r = ejabberd.render(debian, config);
    const d = files(r.files);
    expect([...d.keys()]).toContain("/etc/ejabberd/ejabberd.yml");
    expect(d.get("/etc/ejabberd/ejabberd.yml")?.mode).toBe(0o640);
    expect(d.get("/etc/ejabberd/certs/c1-a.example.pem")?.mode).toBe(0o600);
    // The extauth program holds the run's password: owner-only (start.sh gives it to ejabberd).
    // Perl there: the Debian image has perl-base, and one process answers every request.
    expect(d.get("/etc/ejabberd/s2s-matrix-auth.pl")?.mode).toBe(0o700);
    expect(d.get("/etc/ejabberd/s2s-matrix-auth.pl")?.content).toBe(ejabberdAuthScript(config.users, "perl"));
    expect(parse(String(d.get("/etc/ejabberd/ejabberd.yml")?.content)).extauth_program).toBe("/etc/ejabberd/s2s-matrix-auth.pl");
    expect(r.command).toBeUndefined();
    expect(ejabberd.versionCommand(debian)).toBe("cat /etc/s2s-matrix-version");
  });
});

describe("readiness and version commands run in a shell", () => {
  const sh = (script: string, cwd?: string) => spawnSync("sh", ["-c", script], { cwd, encoding: "utf8" });

  test("ejabberd readiness: exit 0 once any log file has the line, 1 before", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/s2s-ready-`);
    const layout = { ...EJABBERD_LAYOUTS.upstream, logFiles: [`${dir}/missing.log`, `${dir}/ejabberd.log`] };
    writeFileSync(`${dir}/ejabberd.log`, "2026-01-01 [info] Loading configuration\n");
    expect(sh(ejabberdReadyCommand(layout)).status).toBe(1);
    writeFileSync(`${dir}/ejabberd.log`, "2026-01-01 [info] ejabberd 25.8.0 is started in the node ejabberd@localhost in 2.10s\n", { flag: "a" });
    expect(sh(ejabberdReadyCommand(layout)).status).toBe(0);
  });
});

test("every family has an adapter, Openfire included", () => {
  for (const e of CATALOG) expect(adapterFor(e.family).family).toBe(e.family);
});

describe("a user's own image (scenario image:) takes the layout it names or was detected", () => {
  const image = (family: "prosody" | "ejabberd", layout?: "debian" | "upstream"): CatalogEntry => ({
    family,
    version: "",
    source: { kind: "image", image: `registry.example.org/xmpp/${family}:candidate`, ...(layout ? { layout } : {}) },
  });

  test("debian: the paths and start script of s2s-matrix's Debian images; upstream (and undetected): the project's own", () => {
    expect(layoutOf(image("prosody", "debian"))).toBe("debian");
    expect(layoutOf(image("prosody"))).toBe("upstream");
    expect([...files(ejabberd.render(image("ejabberd", "debian"), config).files).keys()]).toContain("/etc/ejabberd/ejabberd.yml");
    expect(ejabberd.render(image("ejabberd", "debian"), config).command).toBeUndefined();
    expect([...files(ejabberd.render(image("ejabberd", "upstream"), config).files).keys()]).toContain("/opt/ejabberd/conf/ejabberd.yml");
    expect(prosody.render(image("prosody", "upstream"), config).command).toEqual(["prosody", "-F"]);
    expect(prosody.render(image("prosody", "debian"), config).command).toBeUndefined();
  });

  test("the version is the one the server announces in its log", () => {
    expect(prosody.versionFromLog?.(["startup             info\tHello and welcome to Prosody version 13.0.7+mine1"])).toBe("13.0.7+mine1");
    expect(ejabberd.versionFromLog?.(["2026-12-02 12:00:01.000 [info] ejabberd 26.07 is started in the node ejabberd@localhost in 1.52s"])).toBe("26.07");
    expect(prosody.versionFromLog?.(["no greeting here"])).toBeUndefined();
  });
});
