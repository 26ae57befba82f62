// Openfire adapter: the upstream image (ghcr.io/igniterealtime/openfire), configured
// entirely by files copied in before the container starts.
//
// How the upstream image is laid out (build/docker/entrypoint.sh, Dockerfile):
// - Openfire lives in /usr/local/openfire. At build time conf/, plugins/ and
//   resources/security/ are moved to conf_org/, plugins_org/ and resources/security_org/.
// - On start the entrypoint symlinks /usr/local/openfire/conf -> /var/lib/openfire/conf and
//   /usr/local/openfire/resources/security -> /var/lib/openfire/conf/security, and, when
//   /var/lib/openfire/conf does not exist yet (a fresh container), copies the *_org trees
//   there. /usr/local/openfire/logs is a symlink to /var/log/openfire.
// So render() writes into the *_org trees: the entrypoint then installs our openfire.xml,
// keystore and truststore next to the stock files (client.truststore, java.security, ...).
// render() also replaces lib/log4j2.xml so that the s2s lines reach stdout, which the
// harness streams (and openfire.log, for a look inside the container).
// - The Dockerfile does not EXPOSE 5269; containers on one network reach it anyway, but
//   the harness must list 5269 itself if it ever needs it from the host.
//
// Openfire hosts exactly ONE XMPP domain per server, and dialback / TLS policy are
// server-wide properties, so every cell side gets its own instance (maxVirtualHosts: 1,
// which harness/plan.ts honours; serverWideKey says the same for dialback).
import { createHash, createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";
import type { AuthEvent } from "../../core/types.ts";
import { escapeXml, stripAnsi } from "../../core/text.ts";
import { mergeOpenfireBase, openfireSettings } from "./openfire-base.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, RenderedInstance, ServerAdapter, VirtualHost } from "./adapter.ts";

export const OPENFIRE_HOME = "/usr/local/openfire";
/** Where the entrypoint copies stock config from on first start. */
const CONF_ORG = `${OPENFIRE_HOME}/conf_org`;
const SECURITY_ORG = `${OPENFIRE_HOME}/resources/security_org`;
/** log4j2 config the launcher passes with -Dlog4j.configurationFile (entrypoint.sh / bin/openfire.sh). */
const LOG4J_CONFIG = `${OPENFIRE_HOME}/lib/log4j2.xml`;
/** Written by our log4j2.xml; /usr/local/openfire/logs is the entrypoint's symlink to /var/log/openfire. */
export const OPENFIRE_LOG = `${OPENFIRE_HOME}/logs/openfire.log`;
/** Openfire's default password for conf/security/keystore and truststore (xmpp.socket.ssl.keypass/trustpass). */
export const STORE_PASSWORD = "changeit";

// ---------------------------------------------------------------------------------------
// Configuration

/** The server-wide s2s properties for one instance, as Openfire names them (ConnectionSettings.Server). */
export function s2sProperties(vhost: VirtualHost, secureAuth: boolean): Record<string, string> {
  return {
    // ServerDialback.isEnabled(): offer and use dialback, in and out.
    "xmpp.server.dialback.enabled": vhost.dialback === "on" ? "true" : "false",
    // Connection.TLSPolicy: disabled | optional | required.
    "xmpp.server.tls.policy": secureAuth ? "required" : "optional",
    // Connection.ClientAuth for inbound s2s TLS: disabled | wanted | needed. `needed` makes the
    // TLS handshake itself fail without a certificate the truststore accepts.
    "xmpp.server.cert.policy": secureAuth ? "needed" : "wanted",
  };
}

const xml = (text: string): string => escapeXml(text);

/** Nested elements for dotted property names: `a.b.c=v` -> <a><b><c>v</c></b></a> (openfire.xml's convention). */
function propertiesXml(props: Record<string, string>, indent: string): string {
  interface Node {
    value?: string;
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const [name, value] of Object.entries(props)) {
    let node = root;
    for (const part of name.split(".")) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  const write = (node: Node, pad: string): string =>
    [...node.children]
      .map(([tag, child]) =>
        child.value !== undefined
          ? `${pad}<${tag}>${xml(child.value)}</${tag}>\n`
          : `${pad}<${tag}>\n${write(child, pad + "  ")}${pad}</${tag}>\n`,
      )
      .join("");
  return write(root, indent);
}

/**
 * conf/openfire.xml with an <autosetup> block (XMPPServer.runAutoSetup): the setup wizard is
 * skipped, the embedded HSQLDB is used, the admin and the users are created. When autosetup
 * finishes, finalSetupSteps() copies every other XML property into the database, which is
 * where Openfire reads xmpp.server.* from; the <autosetup> block is then deleted.
 * Shape follows distribution/src/conf/openfire-demoboot.xml.
 */
export function openfireXml(vhost: VirtualHost, config: InstanceConfig, adminPassword: string): string {
  const domain = xml(vhost.domain);
  const users = config.users
    .map(
      (u, i) =>
        `      <user${i + 1}>\n` +
        `        <username>${xml(u.username)}</username>\n` +
        `        <password>${xml(u.password)}</password>\n` +
        `      </user${i + 1}>\n`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by s2s-matrix for one test instance. Openfire hosts one XMPP domain per server. -->
<jive>
  <adminConsole>
    <port>9090</port>
    <securePort>9091</securePort>
  </adminConsole>
  <locale>en</locale>
  <connectionProvider>
    <className>org.jivesoftware.database.EmbeddedConnectionProvider</className>
  </connectionProvider>
  <autosetup>
    <run>true</run>
    <locale>en</locale>
    <xmpp>
      <domain>${domain}</domain>
      <fqdn>${domain}</fqdn>
    </xmpp>
    <database>
      <mode>embedded</mode>
    </database>
    <admin>
      <email>admin@${domain}</email>
      <password>${xml(adminPassword)}</password>
    </admin>
    <users>
${users}    </users>
  </autosetup>
  <!-- Server-to-server policy (ConnectionSettings.Server); copied into the database by autosetup. -->
${propertiesXml(s2sProperties(vhost, config.secureAuth), "  ")}</jive>
`;
}

/** openfire.log's layout (stock lib/log4j2.xml) without %highlight, so no ANSI colours. */
const LOG_PATTERN = "%d{yyyy.MM.dd HH:mm:ss.SSS} %-5p [%t]: %c - %msg{nolookups}%n";

/**
 * log4j2 configuration replacing the stock lib/log4j2.xml: everything to stdout (the harness
 * streams it) and to openfire.log, and DEBUG for the packages whose loggers report s2s
 * authentication (most of those lines are debug-level): server (ServerDialback), session
 * (Local*ServerSession) and net (SASLAuthentication). Log.setDebugEnabled() only changes the
 * root logger, so these levels survive Openfire's own log-level handling.
 */
export function log4j2Xml(): string {
  const debug = ["server", "session", "net"]
    .map((p) => `    <Logger name="org.jivesoftware.openfire.${p}" level="debug"/>\n`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by s2s-matrix: Openfire's log layout, uncoloured, on stdout, with s2s debug logging. -->
<Configuration>
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="${LOG_PATTERN}"/>
    </Console>
    <File name="openfire" fileName="${OPENFIRE_LOG}" append="true">
      <PatternLayout pattern="${LOG_PATTERN}"/>
    </File>
  </Appenders>
  <Loggers>
${debug}    <Root level="info">
      <AppenderRef ref="stdout"/>
      <AppenderRef ref="openfire"/>
    </Root>
  </Loggers>
</Configuration>
`;
}

// ---------------------------------------------------------------------------------------
// PKCS#12 key and trust stores
//
// Java reads PKCS#12 for both (and its JKS loader accepts PKCS#12 files too, keystore.type.compat).
// forge.pkcs12.toPkcs12Asn1 cannot be used as is: it accepts only RSA keys and parses every
// certificate as RSA, while ca/ mints EC leaves too. So the PFX is assembled here from forge's
// ASN.1, PBES2 and PKCS#12-KDF primitives; certificates go in as raw DER, keys as PKCS#8.

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const OID = {
  data: "1.2.840.113549.1.7.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  sha1: "1.3.14.3.2.26",
  /** Oracle's bag attribute that makes Java list a certificate bag as a trustedCertEntry. */
  oracleTrustedKeyUsage: "2.16.840.1.113894.746875.1.1",
  anyExtendedKeyUsage: "2.5.29.37.0",
};
const ITERATIONS = 10_000;

const U = asn1.Class.UNIVERSAL;
const oid = (id: string): Asn1 => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string): Asn1 => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes);
const seq = (items: Asn1[]): Asn1 => asn1.create(U, asn1.Type.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(U, asn1.Type.SET, true, items);
const integer = (n: number): Asn1 => asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const explicit0 = (inner: Asn1): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const der = (node: Asn1): string => asn1.toDer(node).getBytes();
/** forge works on "binary strings" (one char per byte). */
const binary = (buf: Buffer): string => buf.toString("binary");
const attribute = (id: string, value: Asn1): Asn1 => seq([oid(id), set([value])]);
const friendlyName = (alias: string): Asn1 =>
  attribute(OID.friendlyName, asn1.create(U, asn1.Type.BMPSTRING, false, alias));

const certBag = (certDer: Buffer, attributes?: Asn1[]): Asn1 =>
  seq([
    oid(OID.certBag),
    explicit0(seq([oid(OID.x509Certificate), explicit0(octets(binary(certDer)))])),
    ...(attributes ? [set(attributes)] : []),
  ]);

/** ContentInfo of type data holding one SafeContents (unencrypted, as Java and OpenSSL accept). */
const dataContentInfo = (bags: Asn1[]): Asn1 => seq([oid(OID.data), explicit0(octets(der(seq(bags))))]);

/** PFX with an HMAC-SHA1 integrity MAC keyed by the PKCS#12 KDF, as keytool and OpenSSL expect. */
function pfx(contents: Asn1[], password: string): Buffer {
  const authSafe = der(seq(contents));
  const salt = binary(randomBytes(16));
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start("sha1", macKey);
  hmac.update(authSafe);
  const macData = seq([
    seq([seq([oid(OID.sha1), asn1.create(U, asn1.Type.NULL, false, "")]), octets(hmac.digest().getBytes())]),
    octets(salt),
    integer(ITERATIONS),
  ]);
  return Buffer.from(der(seq([integer(3), seq([oid(OID.data), explicit0(octets(authSafe))]), macData])), "binary");
}

/** DER of every certificate in a PEM bundle, in order. */
export function pemCertificates(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ""), "base64"));
}

export interface KeyStoreResult {
  content: Buffer;
  alias: string;
}

/**
 * The identity keystore: one PrivateKeyEntry whose chain is `fullchain` (leaf first).
 * Alias `<domain>_<rsa|ec>` like the entries Openfire generates itself.
 */
export function buildKeystore(domain: string, tls: { key: string; fullchain: string; cert: string }, password = STORE_PASSWORD): KeyStoreResult {
  const key = createPrivateKey(tls.key);
  const chain = pemCertificates(tls.fullchain);
  if (chain.length === 0) chain.push(...pemCertificates(tls.cert));
  const leaf = chain[0];
  if (!leaf) throw new Error(`openfire: no certificate for ${domain}`);
  if (!new X509Certificate(leaf).checkPrivateKey(key)) {
    throw new Error(`openfire: the private key for ${domain} does not match the first certificate of its chain`);
  }
  const alias = `${domain}_${key.asymmetricKeyType ?? "key"}`.toLowerCase();
  const localKeyId = attribute(OID.localKeyId, octets(binary(createHash("sha1").update(leaf).digest())));

  const pkcs8 = key.export({ format: "der", type: "pkcs8" });
  const encrypted = forge.pki.encryptPrivateKeyInfo(asn1.fromDer(binary(pkcs8)), password, {
    algorithm: "aes256",
    prfAlgorithm: "sha256",
    count: ITERATIONS,
    saltSize: 16,
  });
  const keyBag = seq([oid(OID.pkcs8ShroudedKeyBag), explicit0(encrypted), set([localKeyId, friendlyName(alias)])]);
  // Leaf carries the key's localKeyId; intermediates carry nothing and only serve chain building.
  const certBags = chain.map((certDer, i) => (i === 0 ? certBag(certDer, [localKeyId, friendlyName(alias)]) : certBag(certDer)));
  return { content: pfx([dataContentInfo(certBags), dataContentInfo([keyBag])], password), alias };
}

/** The s2s truststore: every CA of the PEM bundle as a trustedCertEntry (aliases s2s-matrix-ca-N). */
export function buildTruststore(caBundle: string, password = STORE_PASSWORD): { content: Buffer; aliases: string[] } {
  const seen = new Set<string>();
  const cas = pemCertificates(caBundle).filter((certDer) => {
    const id = certDer.toString("base64");
    return seen.has(id) ? false : (seen.add(id), true);
  });
  if (cas.length === 0) throw new Error("openfire: the trusted CA bundle holds no certificate");
  const aliases = cas.map((_, i) => `s2s-matrix-ca-${i + 1}`);
  const trusted = attribute(OID.oracleTrustedKeyUsage, oid(OID.anyExtendedKeyUsage));
  const bags = cas.map((certDer, i) => certBag(certDer, [friendlyName(aliases[i]!), trusted]));
  return { content: pfx([dataContentInfo(bags)], password), aliases };
}

// ---------------------------------------------------------------------------------------
// Log parsing
//
// Line layout (stock and ours): `2026.03.02 10:00:00.123 DEBUG [thread]: <logger> - <message>`.
// Many Openfire loggers carry their context in the logger name, e.g.
// `org.jivesoftware.openfire.server.ServerDialback[Acting as Receiving Server: Validate domain: b.example(id x) for OS: a.example]`.
// Messages below are copied from Openfire's sources (main branch, 2025-26: SASLAuthentication,
// LocalIncomingServerSession, LocalOutgoingServerSession, ServerDialback). Events are reported
// as `from` = initiating domain, `to` = receiving domain, whichever side wrote the line.

const CONTEXT_LINE = /([A-Za-z0-9_$]+)\[([^\]]*)\] - (.*)$/;
const EXCEPTION_LINE = /^\s*(?:[\w$]+\.)*([\w$]*(?:Exception|Error))(?::\s*(.*))?$/;

interface Pair {
  from: string;
  to: string;
}

/** The s2s direction named by a logger context, if any. */
function contextPair(context: string): Pair | undefined {
  let m: RegExpExecArray | null;
  // Receiving side (we are the receiver): the peer (OS / AS) is `from`.
  if ((m = /^Acting as Receiving Server: Validate domain: (\S+?)\(id [^)]*\) for OS: (\S+)$/.exec(context))) {
    return { from: m[2]!, to: m[1]! };
  }
  if ((m = /^Acting as Receiving Server: Verify key with AS: (\S+) for OS: (\S+) \(id /.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  // Initiating side (we are the originating server): local is `from`.
  if ((m = /^Acting as Originating Server: (?:Create Outgoing Session from|Authenticate domain): (\S+) (?:to|with) a RS in the domain of: (\S+) \(/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  if ((m = /^Authenticate local domain: '([^']+)' to remote domain: '([^']+)'$/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  if ((m = /^(?:Authenticate connection|Create outgoing session|Encrypt connection|Dialback over TLS|EXTERNAL SASL) for: \{(\S+) -> (\S+)\}/.exec(context))) {
    return { from: m[1]!, to: m[2]! };
  }
  return undefined;
}

type Rule = [RegExp, AuthEvent["kind"], string?];

/** Messages logged under a context logger; the context gives the pair. */
const CONTEXT_RULES: Rule[] = [
  // Receiving side, ServerDialback.validateRemoteDomain / verifyKey.
  [/^Successfully validated domain!$/, "dialback-ok"],
  [/^Host authenticated based on SASL\. Weaker dialback-based authentication is skipped\.$/, "dialback-ok", "dialback request accepted on the certificate (key not verified)"],
  [/^Unable to verify key: AS reports that the key is invalid\.$/, "dialback-failed", "the authoritative server reports the dialback key invalid"],
  [/^Unable to verify key: An error occurred\.$/, "dialback-failed", "dialback key verification failed (error or timeout at the authoritative server)"],
  // Initiating side, LocalOutgoingServerSession.authenticate / createOutgoingSession / authenticateDomain.
  [/^Successfully authenticated with EXTERNAL SASL\.$/, "external-ok"],
  [/^Failed to authenticate with EXTERNAL SASL\.$/, "external-failed", "the receiving server did not accept SASL EXTERNAL"],
  [/^Successfully authenticated with dialback\.$/, "dialback-ok"],
  [/^Successfully authenticated the connection with dialback[.!]$/, "dialback-ok"],
  [/^Failed to authenticate with dialback\.$/, "dialback-failed"],
  [/^(?:Unable|Failed) to authenticate the connection with dialback\.$/, "dialback-failed"],
  [/^(?:StartTLS|Direct TLS) negotiation failed\./, "connection-failed", "TLS negotiation failed"],
  [/^Unable to authenticate the connection: SASL authentication failed \(and dialback is not available\)\.$/, "connection-failed", "the receiving server's certificate was not accepted and dialback is disabled"],
  [/^Authentication successful\.$/, "connection-ok"],
];

/**
 * s2s authentication events in Openfire's log. Pure; understands the lines listed above
 * plus two context-free receiving-side lines. The receiving domain of those is learnt from
 * `Creating new session ... for local 'B' to peer 'A'` (or any other line naming the local
 * domain): Openfire serves one domain, so one is enough.
 */
export function parseOpenfireAuthEvents(rawLines: string[]): AuthEvent[] {
  const lines = rawLines.map((l) => stripAnsi(l).replace(/\r$/, ""));

  // Pass 1: which local domain each peer talked to.
  const localFor = new Map<string, string>();
  const locals = new Set<string>();
  for (const line of lines) {
    let m = /Creating new session with stream ID '[^']*' for local '([^']+)' to peer '([^']+)'/.exec(line);
    if (m) {
      locals.add(m[1]!);
      localFor.set(m[2]!, m[1]!);
      continue;
    }
    m = CONTEXT_LINE.exec(line);
    const pair = m && contextPair(m[2]!);
    if (pair) {
      const receiving = m![2]!.startsWith("Acting as Receiving Server");
      locals.add(receiving ? pair.to : pair.from);
      if (receiving) localFor.set(pair.from, pair.to);
    }
  }
  const receiverOf = (peer: string): string => localFor.get(peer) ?? (locals.size === 1 ? [...locals][0]! : "");
  /** Message of the exception printed on the line after `i`, if any (log4j appends stack traces). */
  const exceptionAfter = (i: number): string | undefined => {
    const m = EXCEPTION_LINE.exec(lines[i + 1] ?? "");
    return m ? (m[2]?.trim() || m[1]) : undefined;
  };

  const events: AuthEvent[] = [];
  const lastKind = new Map<string, AuthEvent["kind"]>();
  const push = (event: AuthEvent): void => {
    events.push(event);
    lastKind.set(`${event.from} ${event.to}`, event.kind);
  };

  lines.forEach((line, i) => {
    let m: RegExpExecArray | null;
    const raw = rawLines[i]!;

    // SASLAuthentication.authenticationSuccessful (INFO).
    if ((m = /Inbound Server (\S+) authenticated \(via TLS\)/.exec(line))) {
      push({ kind: "external-ok", from: m[1]!, to: receiverOf(m[1]!), line: raw });
      return;
    }
    // SASLAuthentication.handle: "SASL negotiation failed for session: {}" + stack trace (DEBUG).
    if ((m = /SASL negotiation failed for session: LocalIncomingServerSession\{.*?localDomain=([^,}]+), defaultIdentity=([^,}]+)/.exec(line))) {
      const reason = exceptionAfter(i) ?? "SASL EXTERNAL negotiation failed";
      push({ kind: "external-failed", from: m[2]!, to: m[1]!, reason, line: raw });
      return;
    }
    // LocalIncomingServerSession.validateSubsequentDomain: INFO (stream error) or DEBUG (dialback error) variant.
    if ((m = /Unable to validate domain '([^']+)':? \(full stack trace is logged on debug level\): ?(.*)$/.exec(line))) {
      push({ kind: "dialback-failed", from: m[1]!, to: receiverOf(m[1]!), reason: m[2]?.trim() || "dialback validation failed", line: raw });
      return;
    }
    // ServerDialback.createIncomingSession (dialback-only streams); success is also logged by
    // validateRemoteDomain ("Successfully validated domain!"), so only the failure counts here.
    if ((m = /ServerDialback: RS - Validation of remote domain for incoming session from (\S+) to (\S+) was not successful\./.exec(line))) {
      push({ kind: "dialback-failed", from: m[1]!, to: m[2]!, reason: exceptionAfter(i) ?? "dialback validation failed", line: raw });
      return;
    }

    m = CONTEXT_LINE.exec(line);
    const pair = m && contextPair(m[2]!);
    if (!m || !pair) return;
    const message = m[3]!.trim();
    if (message === "Trying to authenticate with dialback." && lastKind.get(`${pair.from} ${pair.to}`) === "external-failed") {
      push({ kind: "dialback-retry", ...pair, reason: "SASL EXTERNAL failed; trying dialback", line: raw });
      return;
    }
    for (const [pattern, kind, reason] of CONTEXT_RULES) {
      if (!pattern.test(message)) continue;
      const detail = kind === "connection-failed" ? exceptionAfter(i) : undefined;
      const why = detail ? (reason ? `${reason}: ${detail}` : detail) : reason;
      push({ kind, ...pair, ...(why ? { reason: why } : {}), line: raw });
      return;
    }
    // LocalOutgoingServerSession.authenticateDomain: "Unable to authenticate: <why>".
    if (/^Authenticate local domain: /.test(m[2]!) && message.startsWith("Unable to authenticate: ")) {
      push({ kind: "connection-failed", ...pair, reason: message.slice("Unable to authenticate: ".length), line: raw });
    }
  });
  return events;
}

// ---------------------------------------------------------------------------------------
// The adapter

function onlyVhost(config: InstanceConfig): VirtualHost {
  if (config.vhosts.length !== 1) {
    throw new Error(
      `openfire: an Openfire server hosts exactly one XMPP domain, but this instance was given ${config.vhosts.length} ` +
        `(${config.vhosts.map((v) => v.domain).join(", ") || "none"}); run one instance per domain`,
    );
  }
  return config.vhosts[0]!;
}

export const openfireAdapter: ServerAdapter<"openfire"> = {
  family: "openfire",
  // Openfire has no Debian package: every entry is an upstream image, nothing is built.
  dockerContext: "openfire",
  c2sPort: 5222,
  s2sPort: 5269,

  render(_entry: CatalogEntry, config: InstanceConfig): RenderedInstance {
    const vhost = onlyVhost(config);
    const keystore = buildKeystore(vhost.domain, vhost.tls);
    const truststore = buildTruststore(config.trustedCa);
    const adminPassword = randomBytes(12).toString("hex");
    // Copied in as root; depending on the image version the entrypoint copies them on as root
    // (keeping the owner) or as openfire. Openfire (user openfire) rewrites openfire.xml during
    // autosetup and may add a certificate to the keystore, so those two stay writable for it.
    // Throwaway test material in a throwaway container.
    const stock = openfireXml(vhost, config, adminPassword);
    // An operator's openfire.xml is laid over ours (openfire-base.ts); the cell's dialback always wins.
    const base = config.baseConfig ? mergeOpenfireBase(config.baseConfig.file, config.baseConfig.text, stock) : undefined;
    const xmlText = base?.xml ?? stock;
    const files: RenderedFile[] = [
      { path: `${CONF_ORG}/openfire.xml`, content: xmlText, mode: 0o666 },
      { path: `${SECURITY_ORG}/keystore`, content: keystore.content, mode: 0o666 },
      { path: `${SECURITY_ORG}/truststore`, content: truststore.content, mode: 0o644 },
      { path: LOG4J_CONFIG, content: log4j2Xml(), mode: 0o644 },
    ];
    const settings = openfireSettings(xmlText, base?.theirs ?? {});
    const theirDialback = base?.dialback;
    const note = theirDialback !== undefined && (theirDialback === "true") !== (vhost.dialback === "on") ? `; your config: ${theirDialback === "true" ? "on" : "off"}` : "";
    const hostSettings = { [vhost.domain]: { dialback: `${vhost.dialback} (scenario${note})` } };
    return { files, settings, hostSettings, notices: base?.notices ?? [] };
  },

  // The s2s and c2s listeners start with the modules, i.e. after autosetup has finished.
  // /bin/sh is dash in the image; bash has /dev/tcp (the upstream HEALTHCHECK uses it too).
  readyCommand: () =>
    `bash -c '(exec 3<>/dev/tcp/localhost/${openfireAdapter.s2sPort}) 2>/dev/null && (exec 3<>/dev/tcp/localhost/${openfireAdapter.c2sPort}) 2>/dev/null'`,

  // lib/xmppserver-<version>.jar, else the startup banner "Openfire <version> [<date>]".
  versionCommand: () =>
    `v=$(ls ${OPENFIRE_HOME}/lib 2>/dev/null | sed -n 's/^xmppserver-\\([0-9].*\\)\\.jar$/\\1/p' | head -n 1); ` +
    `[ -n "$v" ] || v=$(sed -n 's/.*Openfire \\([0-9][^ ]*\\) \\[.*/\\1/p' ${OPENFIRE_LOG} 2>/dev/null | head -n 1); ` +
    `echo "$v"`,

  parseAuthEvents: parseOpenfireAuthEvents,

  // Dialback is one property for the whole server (the TLS policy too, but that is per instance already).
  serverWideKey: (vhost) => `dialback=${vhost.dialback}`,

  // One XMPP domain per server: the plan gives every cell side its own container.
  maxVirtualHosts: 1,
};

export default openfireAdapter;
