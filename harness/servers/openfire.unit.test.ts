import { parse as ltxParse, type Element } from "ltx";
import { describe, expect, it } from "vitest";
import type { VirtualHost } from "./adapter.ts";
import { buildKeystore, buildTruststore } from "../../ca/pkcs12.ts";
import { openfireAdapter } from "./openfire.ts";
import { log4j2Xml } from "./openfire-config.ts";
import { parseOpenfireAuthEvents } from "./openfire-log.ts";
import { adapterFor, OPENFIRE_ENTRIES } from "./catalog.ts";
import { plan } from "../plan.ts";
import { configFor, entry, fileOf, pki, vhostFor } from "./fixtures/openfire-pki.ts";

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
    // The probe's c2s login stays inside TLS (a single <xmpp> element holds both).
    expect(text(root, "xmpp", "client", "tls", "policy")).toBe("required");
    expect(root.getChildren("xmpp")).toHaveLength(1);
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

describe("openfire truststore", () => {
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
