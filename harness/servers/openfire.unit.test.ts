import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webcrypto } from "node:crypto";
// @peculiar/x509 (the library ca/ mints with) needs Reflect metadata; ca/ ships the shim.
import "../../ca/reflect-polyfill.ts";
import * as x509 from "@peculiar/x509";
import { parse as ltxParse, type Element } from "ltx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InstanceConfig, VirtualHost } from "./adapter.ts";
import { buildKeystore, buildTruststore } from "../../ca/pkcs12.ts";
import { openfireAdapter } from "./openfire.ts";
import { log4j2Xml } from "./openfire-config.ts";
import { parseOpenfireAuthEvents } from "./openfire-log.ts";
import { adapterFor, OPENFIRE_ENTRIES } from "./catalog.ts";
import { plan } from "../plan.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

// ---------------------------------------------------------------------------------------
// Throwaway PKI: a CA and a dual-EKU leaf (serverAuth + clientAuth), like the "dual-eku" profile.

type KeyType = "rsa" | "ec";
const ALG = {
  rsa: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 },
  ec: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
} as const;
const DAY = 86_400_000;

interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
  keyPem: string;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
}

async function makeCa(type: KeyType, name: string): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(ALG[type], true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALG[type],
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys, pem: cert.toString("pem"), keyPem: await keyPem(keys) };
}

async function makeLeaf(type: KeyType, ca: Issued, domain: string): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(ALG[type], true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: `CN=${domain}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG[type],
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: domain }]),
    ],
  });
  return { cert, keys, pem: cert.toString("pem"), keyPem: await keyPem(keys) };
}

const pki = {
  rsa: (async () => {
    const ca = await makeCa("rsa", "s2s-matrix test CA (rsa)");
    return { ca, leaf: await makeLeaf("rsa", ca, "of1.example") };
  })(),
  ec: (async () => {
    const ca = await makeCa("ec", "s2s-matrix test CA (ec)");
    return { ca, leaf: await makeLeaf("ec", ca, "of1.example") };
  })(),
};

async function vhostFor(type: KeyType, dialback: "on" | "off", domain = "of1.example"): Promise<VirtualHost> {
  const { leaf, ca } = await pki[type];
  return {
    domain,
    certificate: "dual-eku",
    dialback,
    tls: { cert: leaf.pem, key: leaf.keyPem, fullchain: leaf.pem + ca.pem },
  };
}

async function configFor(vhosts: VirtualHost[], secureAuth: boolean, type: KeyType = "rsa"): Promise<InstanceConfig> {
  return {
    vhosts,
    users: [
      { username: "alice", password: "s3cret<&>'\"" },
      { username: "bob", password: "pw" },
    ],
    trustedCa: (await pki[type]).ca.pem,
    secureAuth,
  };
}

const entry = OPENFIRE_ENTRIES[0]!;

function fileOf(files: { path: string; content: string | Buffer }[], suffix: string): string | Buffer {
  const f = files.find((x) => x.path.endsWith(suffix));
  if (!f) throw new Error(`no rendered file ending in ${suffix}; have ${files.map((x) => x.path).join(", ")}`);
  return f.content;
}

const text = (el: Element | undefined, ...path: string[]): string | undefined => {
  let node = el;
  for (const p of path) node = node?.getChild(p);
  return node?.getText();
};

// ---------------------------------------------------------------------------------------

describe("openfire render", () => {
  it.each([
    { dialback: "on" as const, secureAuth: false, expected: { dialback: "true", tls: "optional", cert: "wanted" } },
    { dialback: "off" as const, secureAuth: false, expected: { dialback: "false", tls: "optional", cert: "wanted" } },
    { dialback: "on" as const, secureAuth: true, expected: { dialback: "true", tls: "required", cert: "needed" } },
    { dialback: "off" as const, secureAuth: true, expected: { dialback: "false", tls: "required", cert: "needed" } },
  ])("openfire.xml: autosetup for the domain, dialback $dialback, secureAuth $secureAuth", async ({ dialback, secureAuth, expected }) => {
    const config = await configFor([await vhostFor("rsa", dialback)], secureAuth);
    const rendered = openfireAdapter.render(entry, config);
    const xmlText = fileOf(rendered.files, "/conf_org/openfire.xml") as string;
    const root = ltxParse(xmlText) as Element;
    expect(root.name).toBe("jive");

    const auto = root.getChild("autosetup");
    expect(text(auto, "run")).toBe("true");
    expect(text(auto, "locale")).toBe("en");
    expect(text(auto, "xmpp", "domain")).toBe("of1.example");
    expect(text(auto, "xmpp", "fqdn")).toBe("of1.example");
    expect(text(auto, "database", "mode")).toBe("embedded");
    expect(text(auto, "admin", "password")).toMatch(/^[0-9a-f]{24}$/);
    expect(text(auto, "users", "user1", "username")).toBe("alice");
    expect(text(auto, "users", "user1", "password")).toBe("s3cret<&>'\""); // escaped in the file, intact after parsing
    expect(text(auto, "users", "user2", "username")).toBe("bob");
    expect(text(root, "connectionProvider", "className")).toBe("org.jivesoftware.database.EmbeddedConnectionProvider");

    // Server-wide s2s properties, outside <autosetup> (copied into the database when autosetup ends).
    expect(text(root, "xmpp", "server", "dialback", "enabled")).toBe(expected.dialback);
    expect(text(root, "xmpp", "server", "tls", "policy")).toBe(expected.tls);
    expect(text(root, "xmpp", "server", "cert", "policy")).toBe(expected.cert);
  });

  it("writes into the image's *_org trees, which the entrypoint copies to /var/lib/openfire on first start", async () => {
    const rendered = openfireAdapter.render(entry, await configFor([await vhostFor("rsa", "on")], false));
    expect(rendered.files.map((f) => f.path).sort()).toEqual([
      "/usr/local/openfire/conf_org/openfire.xml",
      "/usr/local/openfire/lib/log4j2.xml",
      "/usr/local/openfire/resources/security_org/keystore",
      "/usr/local/openfire/resources/security_org/truststore",
    ]);
    expect(rendered.command).toBeUndefined(); // the image's entrypoint starts Openfire
    const log4j = ltxParse(log4j2Xml()) as Element;
    const loggers = log4j.getChild("Loggers")!.getChildren("Logger").map((l) => `${l.attrs.name}=${l.attrs.level}`);
    expect(loggers).toEqual(expect.arrayContaining(["org.jivesoftware.openfire.server=debug", "org.jivesoftware.openfire.net=debug"]));
    expect(log4j2Xml()).not.toContain("%highlight");
  });

  it("refuses more (or fewer) than one virtual host: Openfire serves one domain per server", async () => {
    const two = await configFor([await vhostFor("rsa", "on"), await vhostFor("rsa", "on", "of2.example")], false);
    expect(() => openfireAdapter.render(entry, two)).toThrow(/exactly one XMPP domain.*given 2 \(of1\.example, of2\.example\)/);
    expect(() => openfireAdapter.render(entry, { ...two, vhosts: [] })).toThrow(/exactly one XMPP domain/);
  });

  it("keys instances by the server-wide dialback setting", async () => {
    expect(openfireAdapter.serverWideKey!(await vhostFor("rsa", "on"))).toBe("dialback=on");
    expect(openfireAdapter.serverWideKey!(await vhostFor("rsa", "off"))).toBe("dialback=off");
  });

  it("holds one virtual host per instance, so the plan gives every cell side its own container", () => {
    expect(openfireAdapter.maxVirtualHosts).toBe(1);
    const spec = (dialback: "on" | "off") => ({
      id: `x ${dialback}`,
      scenario: "t",
      initiator: { server: "openfire@4.9.2", certificate: "server-only" as const, dialback },
      receiver: { server: "openfire@4.9.2", certificate: "server-only" as const, dialback },
      expected: { outcome: "federates" as const, source: "default" },
    });
    // Two cells with the same dialback setting: serverWideKey alone would share instances.
    const [stage] = plan(
      [
        { spec: spec("on"), n: 1 },
        { spec: spec("on"), n: 2 },
      ],
      { isolation: "vhost", serverWideKey: (_s, h) => openfireAdapter.serverWideKey!(h as VirtualHost) },
    );
    expect(stage!.instances.map((i) => [i.key, i.hosts.length])).toEqual([
      ["openfire@4.9.2#c1-a", 1],
      ["openfire@4.9.2#c1-b", 1],
      ["openfire@4.9.2#c2-a", 1],
      ["openfire@4.9.2#c2-b", 1],
    ]);
  });

  it("is the registered adapter of the openfire family", () => {
    expect(adapterFor("openfire")).toBe(openfireAdapter);
  });

  it("rejects a key that does not belong to the leaf", async () => {
    const { leaf } = await pki.rsa;
    const other = await pki.ec;
    expect(() => buildKeystore("of1.example", { cert: leaf.pem, fullchain: leaf.pem, key: other.leaf.keyPem })).toThrow(/does not match/);
  });

  it("catalog entries name upstream images", () => {
    expect(OPENFIRE_ENTRIES.map((e) => `${e.family}@${e.version}`)).toEqual(["openfire@4.9.2", "openfire@5.0.2"]);
    for (const e of OPENFIRE_ENTRIES) {
      expect(e.source).toEqual({ kind: "upstream", image: `ghcr.io/igniterealtime/openfire:v${e.version}` });
    }
  });
});

// ---------------------------------------------------------------------------------------
// The stores, checked by the JDK's own keytool (Openfire reads them with the same KeyStore code).

// Debian's JDK puts it in /usr/bin; CI's setup-java sets JAVA_HOME.
const KEYTOOL = ["/usr/bin/keytool", process.env.JAVA_HOME && join(process.env.JAVA_HOME, "bin", "keytool")].find(
  (p): p is string => !!p && existsSync(p),
);
const hasKeytool = KEYTOOL !== undefined;
const keytoolTitle = (title: string) => (hasKeytool ? title : `${title} [skipped: no keytool in /usr/bin or $JAVA_HOME/bin]`);

describe.skipIf(!hasKeytool)(keytoolTitle("openfire key and trust stores (keytool)"), () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "s2s-matrix-openfire-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const list = (file: string, storetype: "PKCS12" | "JKS", password = "changeit"): string =>
    execFileSync(KEYTOOL!, ["-list", "-v", "-keystore", file, "-storepass", password, "-storetype", storetype], {
      encoding: "utf8",
      env: { ...process.env, LC_ALL: "C", JAVA_TOOL_OPTIONS: "-Duser.language=en" },
      stdio: ["ignore", "pipe", "pipe"],
    });

  it.each(["rsa", "ec"] as const)(keytoolTitle("keystore (%s leaf): one PrivateKeyEntry with the chain"), async (type) => {
    const config = await configFor([await vhostFor(type, "on")], false, type);
    const rendered = openfireAdapter.render(entry, config);
    const file = join(dir, `keystore-${type}`);
    writeFileSync(file, fileOf(rendered.files, "/security_org/keystore"));

    const out = list(file, "PKCS12");
    expect(out).toContain("Your keystore contains 1 entry");
    expect(out).toContain(`Alias name: of1.example_${type}`);
    expect(out).toContain("Entry type: PrivateKeyEntry");
    expect(out).toContain("Certificate chain length: 2");
    expect(out).toContain("Owner: CN=of1.example");
    // Openfire's default store type is "jks"; the JDK's JKS loader accepts PKCS#12 files.
    expect(list(file, "JKS")).toContain("Entry type: PrivateKeyEntry");
    // The MAC is real: a wrong password fails the integrity check.
    expect(() => list(file, "PKCS12", "not-changeit")).toThrow();
  });

  it(keytoolTitle("truststore: every CA as a trustedCertEntry, duplicates dropped"), async () => {
    const rsaCa = (await pki.rsa).ca.pem;
    const ecCa = (await pki.ec).ca.pem;
    const one = join(dir, "truststore-1");
    const config = await configFor([await vhostFor("rsa", "off")], true);
    writeFileSync(one, fileOf(openfireAdapter.render(entry, config).files, "/security_org/truststore"));
    const out1 = list(one, "PKCS12");
    expect(out1).toContain("Your keystore contains 1 entry");
    expect(out1).toContain("Alias name: s2s-matrix-ca-1");
    expect(out1).toContain("Entry type: trustedCertEntry");
    expect(out1).toContain("Owner: CN=s2s-matrix test CA (rsa)");
    expect(out1).not.toContain("PrivateKeyEntry");

    const two = join(dir, "truststore-2");
    const { content, aliases } = buildTruststore(rsaCa + ecCa + rsaCa);
    expect(aliases).toEqual(["s2s-matrix-ca-1", "s2s-matrix-ca-2"]);
    writeFileSync(two, content);
    const out2 = list(two, "PKCS12");
    expect(out2).toContain("Your keystore contains 2 entries");
    expect(out2.match(/Entry type: trustedCertEntry/g)).toHaveLength(2);
    expect(list(two, "JKS")).toContain("Entry type: trustedCertEntry");
  });

  it("an empty CA bundle is an error, not an empty truststore", () => {
    expect(() => buildTruststore("")).toThrow(/no certificate/);
  });
});

// ---------------------------------------------------------------------------------------
// Log parsing. Openfire has not run here, so these lines are assembled, not captured: each
// message is copied verbatim from Openfire's sources (SASLAuthentication, LocalIncomingServerSession,
// LocalOutgoingServerSession, ServerDialback on the main branch), logger names with their
// bracketed context as those classes build them, in the PatternLayout of log4j2Xml().

const at = (level: string, logger: string, message: string, ms = 100) =>
  `2026.03.02 10:00:0${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")} ${level.padEnd(5)} [socket_s2s-worker-3]: ${logger} - ${message}`;
const PKG = "org.jivesoftware.openfire";
const incoming = `${PKG}.session.LocalIncomingServerSession`;
const sasl = `${PKG}.net.SASLAuthentication`;
const rsValidate = (local: string, peer: string) => `${PKG}.server.ServerDialback[Acting as Receiving Server: Validate domain: ${local}(id 7aa1) for OS: ${peer}]`;
const rsVerify = (peer: string, local: string) => `${PKG}.server.ServerDialback[Acting as Receiving Server: Verify key with AS: ${peer} for OS: ${local} (id 7aa3)]`;
const outAuth = (local: string, remote: string) => `${PKG}.session.LocalOutgoingServerSession[Authenticate connection for: {${local} -> ${remote}}]`;
const outCreate = (local: string, remote: string) => `${PKG}.session.LocalOutgoingServerSession[Create outgoing session for: {${local} -> ${remote}}]`;
const outDomain = (local: string, remote: string) => `${PKG}.session.LocalOutgoingServerSession[Authenticate local domain: '${local}' to remote domain: '${remote}']`;

describe("openfire parseAuthEvents", () => {
  it("reads receiving-side SASL EXTERNAL and dialback outcomes", () => {
    const lines = [
      at("DEBUG", incoming, "Creating new session with stream ID 'f3k2' for local 'b.example' to peer 'a.example'."),
      at("INFO", sasl, "Inbound Server a.example authenticated (via TLS)"),
      at(
        "DEBUG",
        sasl,
        "SASL negotiation failed for session: LocalIncomingServerSession{address=c.example, streamID=9x1, status=CONNECTED, isEncrypted=true, isDetached=false, authenticationMethod=null, localDomain=b.example, defaultIdentity=c.example, validatedDomains={}}",
      ),
      "org.jivesoftware.openfire.sasl.SaslFailureException: Server-to-Server certificate verification failed.",
      "\tat org.jivesoftware.openfire.sasl.ExternalServerSaslServer.evaluateResponse(ExternalServerSaslServer.java:120)",
      at("DEBUG", rsValidate("b.example", "d.example"), "Validating domain..."),
      at("DEBUG", rsValidate("b.example", "d.example"), "Successfully validated domain!"),
      at("DEBUG", rsValidate("b.example", "e.example"), "Host authenticated based on SASL. Weaker dialback-based authentication is skipped."),
      at("DEBUG", rsValidate("b.example", "e.example"), "Domain validated successfully!"),
      at("INFO", incoming, "Unable to validate domain 'f.example' (full stack trace is logged on debug level): Dialback has been disabled by configuration."),
      at("DEBUG", incoming, "Unable to validate domain 'f.example'"),
      at("DEBUG", rsVerify("g.example", "b.example"), "Unable to verify key: AS reports that the key is invalid."),
      at("DEBUG", `${PKG}.server.ServerDialback`, "ServerDialback: RS - Validation of remote domain for incoming session from h.example to b.example was not successful."),
    ];
    const events = parseOpenfireAuthEvents(lines).map(({ line: _line, ...e }) => e);
    expect(events).toEqual([
      { kind: "external-ok", from: "a.example", to: "b.example" },
      { kind: "external-failed", from: "c.example", to: "b.example", reason: "Server-to-Server certificate verification failed." },
      { kind: "dialback-ok", from: "d.example", to: "b.example" },
      { kind: "dialback-ok", from: "e.example", to: "b.example", reason: "dialback request accepted on the certificate (key not verified)" },
      { kind: "dialback-failed", from: "f.example", to: "b.example", reason: "Dialback has been disabled by configuration." },
      { kind: "dialback-failed", from: "g.example", to: "b.example", reason: "the authoritative server reports the dialback key invalid" },
      { kind: "dialback-failed", from: "h.example", to: "b.example", reason: "dialback validation failed" },
    ]);
    // Each event carries the line it came from.
    expect(parseOpenfireAuthEvents(lines)[0]!.line).toBe(lines[1]);
  });

  it("reads initiating-side outcomes: EXTERNAL refused, dialback retried and accepted", () => {
    const lines = [
      at("DEBUG", outAuth("b.example", "a.example"), "Remote server is offering dialback: true, EXTERNAL SASL: true"),
      at("DEBUG", outAuth("b.example", "a.example"), "Trying to authenticate with EXTERNAL SASL."),
      at("DEBUG", outAuth("b.example", "a.example"), "Failed to authenticate with EXTERNAL SASL."),
      at("DEBUG", outAuth("b.example", "a.example"), "Trying to authenticate with dialback."),
      at("DEBUG", outAuth("b.example", "a.example"), "Successfully authenticated with dialback."),
      at("DEBUG", outDomain("b.example", "a.example"), "Authentication successful."),
      at("DEBUG", outAuth("b.example", "c.example"), "Trying to authenticate with dialback."), // no EXTERNAL attempt before: not a retry
      at("DEBUG", outAuth("b.example", "c.example"), "Successfully authenticated with EXTERNAL SASL."),
      at("INFO", outCreate("b.example", "h.example"), "StartTLS negotiation failed. Closing connection (without sending any data such as <failure/> or </stream>)."),
      "javax.net.ssl.SSLHandshakeException: PKIX path building failed: unable to find valid certification path to requested target",
      at("WARN", outDomain("b.example", "h.example"), "Unable to authenticate: Fail to create new session."),
    ];
    const events = parseOpenfireAuthEvents(lines).map(({ line: _line, ...e }) => e);
    expect(events).toEqual([
      { kind: "external-failed", from: "b.example", to: "a.example", reason: "the receiving server did not accept SASL EXTERNAL" },
      { kind: "dialback-retry", from: "b.example", to: "a.example", reason: "SASL EXTERNAL failed; trying dialback" },
      { kind: "dialback-ok", from: "b.example", to: "a.example" },
      { kind: "connection-ok", from: "b.example", to: "a.example" },
      { kind: "external-ok", from: "b.example", to: "c.example" },
      {
        kind: "connection-failed",
        from: "b.example",
        to: "h.example",
        reason: "TLS negotiation failed: PKIX path building failed: unable to find valid certification path to requested target",
      },
      { kind: "connection-failed", from: "b.example", to: "h.example", reason: "Fail to create new session." },
    ]);
  });

  it("copes with the stock layout's ANSI colours and ignores unrelated lines", () => {
    const coloured = "2026.03.02 10:00:01.250 \x1b[32m INFO\x1b[m [socket_s2s-worker-3]: org.jivesoftware.openfire.net.SASLAuthentication - Inbound Server a.example authenticated (via TLS)";
    const events = parseOpenfireAuthEvents([
      at("INFO", `${PKG}.container.PluginMonitor`, "Finished processing all plugins."),
      at("DEBUG", incoming, "Creating new session with stream ID 'x' for local 'b.example' to peer 'a.example'."),
      coloured,
    ]);
    expect(events).toEqual([{ kind: "external-ok", from: "a.example", to: "b.example", line: coloured }]);
  });

  it("learns the receiving domain from any line that names it when the session line was filtered out", () => {
    const events = parseOpenfireAuthEvents([
      at("DEBUG", outAuth("b.example", "z.example"), "Remote server is offering dialback: true, EXTERNAL SASL: false"),
      at("INFO", sasl, "Inbound Server a.example authenticated (via TLS)"),
    ]);
    expect(events.map((e) => [e.kind, e.from, e.to])).toEqual([["external-ok", "a.example", "b.example"]]);
  });
});
