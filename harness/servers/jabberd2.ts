// jabberd2, from Debian: four processes (router, sm, c2s, s2s) configured by one
// XML file each in /etc/jabberd2; harness/images/jabberd2/start.sh starts them in
// order and prefixes each one's log lines with its name.
//
// What its s2s does (jabberd2 2.7.0 sources, s2s/ and sx/ssl.c):
// - Authentication is XEP-0220 dialback only: s2s offers STARTTLS and nothing
//   else (s2s/in.c sx_server_init with SX_SSL_STARTTLS_OFFER; no SASL plugin on
//   s2s streams) and, as initiator, ignores SASL EXTERNAL in the peer's features
//   (s2s/out.c: it looks for <starttls/> only, then sends db:result). Dialback
//   cannot be switched off: a cell's "dialback: off" cannot apply to it.
// - Certificates: each <local><id pemfile=… cachain=… verify-mode=…> is one
//   OpenSSL context (s2s/main.c _s2s_hosts_expand), chosen by the stream's `to`
//   as receiver and `from` as initiator (sx/ssl.c _sx_ssl_server/_sx_ssl_client).
//   verify-mode is handed to SSL_CTX_set_verify as it is: 0 (the default) checks
//   nothing; 7 (PEER|FAIL_IF_NO_PEER_CERT|CLIENT_ONCE) makes OpenSSL verify the
//   peer's chain for its default purpose, which is "TLS client" for the
//   certificate of a server that connects and "TLS server" for the receiver's,
//   and aborts the handshake when it fails. No name check is made anywhere.
// - <security><require_tls> is read as a number (j_atoi): the packaged example
//   `<require_tls/>` means 0; the harness writes 1.
// - Its TLS errors can be stale (sx/ssl.c with OpenSSL 3): after every handshake in
//   which the peer presented a certificate it calls OBJ_create for id-on-xmppAddr,
//   an object OpenSSL >= 1.1 has built in, so the call fails and leaves "oid
//   exists" on the error queue until the process's next handshake step clears it.
//   sx reads 1024 bytes at a time: a TLS record read in parts makes SSL_read
//   return -1, SSL_get_error then finds the stale entry and answers SSL_ERROR_SSL
//   instead of "want more", and the connection is closed as "SSL handshake error
//   (…oid exists)". jabberd2-oid-exists.py shows it on this machine's OpenSSL.
import { randomBytes } from "node:crypto";
import { escapeXml } from "../../core/text.ts";
import type { AuthEvent } from "../../core/types.ts";
import { mergeJabberd2Base } from "./jabberd2-base.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, ServerAdapter } from "./adapter.ts";

const ETC = "/etc/jabberd2";
const CERTS = `${ETC}/certs`;
const LIB = "/usr/lib/x86_64-linux-gnu/jabberd2";
const DB = "/var/lib/jabberd2/sqlite.db";

/**
 * The s2s policy: TLS required, and the peer's certificate verified by OpenSSL (the value the
 * packaged s2s.xml suggests); a failed route's queue bounced after 1–2 s of reconnecting (see s2sXml).
 */
export const JABBERD2_S2S = { requireTls: 1, verifyMode: 7, retrySeconds: 1 } as const;

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The connection to the router every component has. */
const routerLink = (secret: string): string => `  <router>
    <ip>127.0.0.1</ip>
    <port>5347</port>
    <user>jabberd</user>
    <pass>${escapeXml(secret, true)}</pass>
    <retry><init>3</init><lost>3</lost><sleep>2</sleep></retry>
  </router>
  <log type='stdout'/>`;

function routerXml(secret: string): string {
  return `<router>
  <id>router</id>
  <pidfile>/run/jabberd2/router.pid</pidfile>
  <log type='stdout'/>
  <local>
    <ip>127.0.0.1</ip>
    <port>5347</port>
    <users>${ETC}/router-users.xml</users>
    <secret>${escapeXml(secret, true)}</secret>
  </local>
  <check><interval>60</interval><keepalive>0</keepalive></check>
  <io><max_fds>1024</max_fds></io>
  <aci><acl type='all'><user>jabberd</user></acl></aci>
</router>
`;
}

const routerUsersXml = (secret: string): string =>
  `<users>\n  <user><name>jabberd</name><secret>${escapeXml(secret, true)}</secret></user>\n</users>\n`;

const chain = (id: string, modules: string[]): string =>
  `    <chain id='${id}'>${modules.map((m) => `<module>${m}</module>`).join("")}</chain>`;

function smXml(config: InstanceConfig, secret: string): string {
  return `<sm>
  <id>sm</id>
  <pidfile>/run/jabberd2/sm.pid</pidfile>
${routerLink(secret)}
  <local>
${config.vhosts.map((v) => `    <id>${escapeXml(v.domain, true)}</id>`).join("\n")}
  </local>
  <storage>
    <path>${LIB}</path>
    <driver>sqlite</driver>
    <sqlite><dbname>${DB}</dbname><busy-timeout>2000</busy-timeout></sqlite>
  </storage>
  <modules>
    <path>${LIB}</path>
${chain("sess-start", ["status"])}
${chain("sess-end", ["status", "iq-last"])}
${chain("in-sess", ["validate", "status", "roster", "iq-ping", "disco", "offline", "presence", "deliver"])}
${chain("in-router", ["session", "validate", "presence"])}
${chain("pkt-sm", ["iq-last", "iq-ping", "iq-time", "iq-version", "disco", "status", "presence"])}
${chain("pkt-user", ["roster", "presence", "disco", "deliver", "offline", "iq-last"])}
${chain("pkt-router", ["session", "disco"])}
${chain("user-load", ["active", "roster"])}
${chain("user-create", ["active"])}
${chain("user-delete", ["active", "offline", "roster", "status", "iq-last"])}
${chain("disco-extend", ["iq-version"])}
  </modules>
  <discovery><identity><category>server</category><type>im</type><name>jabberd2</name></identity></discovery>
  <user><template/></user>
</sm>
`;
}

// c2s is only how the probe reaches the server: TLS offered (the pemfile), not required
// (harness/probe/client.ts). c2s/main.c reads require-starttls by its presence alone:
// require-starttls='false' required STARTTLS, so the attribute is left out.
// Each <id> names the run's CA as its cachain: without one, sx/ssl.c loads the system
// CA bundle (SSL_CTX_set_default_verify_paths, parsed at once by OpenSSL 3) for every
// host, ~0.18 s each: 10 s of a 56-host boot. c2s asks no client for a certificate.
function c2sXml(config: InstanceConfig, secret: string): string {
  const ids = config.vhosts
    .map((v) => `    <id pemfile='${CERTS}/${escapeXml(v.domain, true)}.pem' cachain='${CERTS}/ca.crt'>${escapeXml(v.domain, true)}</id>`)
    .join("\n");
  return `<c2s>
  <id>c2s</id>
  <pidfile>/run/jabberd2/c2s.pid</pidfile>
${routerLink(secret)}
  <local>
${ids}
    <ip>0.0.0.0</ip>
    <port>${jabberd2.c2sPort}</port>
  </local>
  <io><max_fds>1024</max_fds><limits><stanzasize>65535</stanzasize></limits><check><interval>0</interval><idle>0</idle><keepalive>0</keepalive></check></io>
  <authreg>
    <path>${LIB}</path>
    <module>sqlite</module>
    <mechanisms><sasl><plain/></sasl></mechanisms>
    <ssl-mechanisms><sasl><plain/></sasl></ssl-mechanisms>
    <sqlite><dbname>${DB}</dbname><busy-timeout>2000</busy-timeout><password_type><plaintext/></password_type></sqlite>
  </authreg>
</c2s>
`;
}

/** The s2s policy a file sets; with an operator's base config there is none of the harness's (theirs is laid over). */
interface S2sPolicy {
  requireTls?: number;
  verifyMode?: number;
}

function s2sXml(config: InstanceConfig, secret: string, dialbackSecret: string, policy: S2sPolicy): string {
  const { requireTls, verifyMode } = policy;
  const verify = verifyMode === undefined ? "" : ` verify-mode='${verifyMode}'`;
  const ids = config.vhosts.map((v) => `    <id pemfile='${CERTS}/${escapeXml(v.domain, true)}.pem' cachain='${CERTS}/ca.crt'${verify}>${escapeXml(v.domain, true)}</id>`).join("\n");
  return `<s2s>
  <id>s2s</id>
  <pidfile>/run/jabberd2/s2s.pid</pidfile>
${routerLink(secret)}
  <local>
${ids}
    <ip>0.0.0.0</ip>
    <port>${jabberd2.s2sPort}</port>
    <secret>${escapeXml(dialbackSecret, true)}</secret>
  </local>
  <io><max_fds>4096</max_fds><limits><stanzasize>65535</stanzasize></limits></io>
  <!-- Every cell's receiver shares one address: a failure must not mark it bad for the others (0: no bad-host cache).
       A connection that closes with stanzas queued is reopened at once, again and again until the queue is
       <retry> seconds old (packaged 300): a refused TLS handshake became ~30 reconnects a second for the
       whole cell. Once the queue is more than ${JABBERD2_S2S.retrySeconds} s old (whole seconds: jqueue_age) it is bounced
       (remote-server-timeout) instead. 1 s instead of 3: the storm's CPU and the quiet self-pair's cells (one
       at a time) halved, every cell of both shipped scenarios as expected (2026-12-08). -->
  <check><interval>5</interval><queue>20</queue><retry>${JABBERD2_S2S.retrySeconds}</retry><idle>86400</idle><keepalive>0</keepalive><dnscache>30</dnscache></check>
  <lookup><srv>xmpp-server</srv><min-ttl>5</min-ttl><max-ttl>30</max-ttl><bad-host-timeout>0</bad-host-timeout></lookup>
${requireTls === undefined ? "" : `  <security><require_tls>${requireTls}</require_tls></security>\n`}</s2s>
`;
}

/** The probe's accounts on every host, for the authreg table c2s reads and the active table sm reads. */
function accountsSql(config: InstanceConfig): string {
  const rows = config.vhosts.flatMap((v) =>
    config.users.flatMap((u) => [
      `INSERT INTO "authreg" ("username", "realm", "password") VALUES (${sqlString(u.username)}, ${sqlString(v.domain)}, ${sqlString(u.password)});`,
      `INSERT INTO "active" ("collection-owner", "time") VALUES (${sqlString(`${u.username}@${v.domain}`)}, strftime('%s', 'now'));`,
    ]),
  );
  return `BEGIN;\n${rows.join("\n")}\nCOMMIT;\n`;
}

export interface Jabberd2Render {
  files: RenderedFile[];
  settings: Record<string, string>;
  notices: string[];
}

/** The instance's files; s2s.xml is the harness's, or the operator's laid over it (jabberd2-base.ts). */
export function renderJabberd2(config: InstanceConfig): Jabberd2Render {
  const secret = randomBytes(12).toString("hex");
  const dialbackSecret = randomBytes(20).toString("hex");
  const base = config.baseConfig && mergeJabberd2Base(config.baseConfig.file, config.baseConfig.text, s2sXml(config, secret, dialbackSecret, {}));
  const retry = { "check/retry": `${JABBERD2_S2S.retrySeconds} s (s2s-matrix; jabberd2 default 300)` };
  const settings = base
    ? { ...base.settings, ...retry }
    : { require_tls: `${JABBERD2_S2S.requireTls} (s2s-matrix)`, "verify-mode": `${JABBERD2_S2S.verifyMode} (s2s-matrix; jabberd2 default 0: no check)`, ...retry };
  const files: RenderedFile[] = [
    { path: `${ETC}/router.xml`, content: routerXml(secret), mode: 0o640 },
    { path: `${ETC}/router-users.xml`, content: routerUsersXml(secret), mode: 0o640 },
    { path: `${ETC}/sm.xml`, content: smXml(config, secret), mode: 0o640 },
    { path: `${ETC}/c2s.xml`, content: c2sXml(config, secret), mode: 0o640 },
    { path: `${ETC}/s2s.xml`, content: base ? base.xml : s2sXml(config, secret, dialbackSecret, JABBERD2_S2S), mode: 0o640 },
    { path: `${ETC}/accounts.sql`, content: accountsSql(config), mode: 0o600 },
    { path: `${CERTS}/ca.crt`, content: config.trustedCa, mode: 0o644 },
  ];
  // One PEM per host (certificate chain + key), as SSL_CTX_use_certificate_chain_file and SSL_CTX_use_PrivateKey_file read it.
  for (const v of config.vhosts) files.push({ path: `${CERTS}/${v.domain}.pem`, content: v.tls.fullchain + v.tls.key, mode: 0o600 });
  return { files, settings, notices: base ? base.notices : [] };
}

/**
 * s2s lines name a connection by its file descriptor ("[12] [172.18.0.5, port=5269] …"),
 * a domain only on some of them: start.sh's tagger appends " {fd 12: out b.example}" to
 * the lines of an outgoing connection (the peer it was opened to), so that a TLS
 * failure there names the receiver. An incoming connection names no domain before
 * dialback, and its TLS failure is left to the initiator's log.
 */
const OUT_TAG = /\{fd \d+: out ([^}\s]+)\}$/;

/** `local/remote` of an outgoing route; the stream goes local → remote. */
const outRoute = (local: string, remote: string) => ({ from: local, to: remote });
/** `local/remote` of an incoming route; the stream goes remote → local. */
const inRoute = (local: string, remote: string) => ({ from: remote, to: local });

/**
 * `final`: a route "is now invalid" (dialback refused) or its retries ran out. Never
 * "disconnect, packets: N": jabberd2 logs it on every reconnect, also of pairs that federate.
 */
export function parseJabberd2AuthEvents(lines: string[]): AuthEvent[] {
  const events: AuthEvent[] = [];
  for (const line of lines) {
    if (!line.startsWith("s2s: ")) continue;
    let m: RegExpMatchArray | null;
    if ((m = /incoming route '([^/']+)\/([^']+)' is now valid/.exec(line))) {
      events.push({ kind: "dialback-ok", ...inRoute(m[1], m[2]), line });
    } else if ((m = /outgoing route '([^/']+)\/([^']+)' is now valid/.exec(line))) {
      events.push({ kind: "dialback-ok", ...outRoute(m[1], m[2]), line });
    } else if ((m = /incoming route '([^/']+)\/([^']+)' is now invalid/.exec(line))) {
      events.push({ kind: "dialback-failed", ...inRoute(m[1], m[2]), reason: "dialback key invalid", final: true, line });
    } else if ((m = /outgoing route '([^/']+)\/([^']+)' is now invalid/.exec(line))) {
      events.push({ kind: "dialback-failed", ...outRoute(m[1], m[2]), reason: "dialback negotiation failed", final: true, line });
    } else if ((m = /retry limit reached for '([^/']+)\/([^']+)' queue/.exec(line))) {
      // s2s gave up connecting for the route and bounced its queue.
      events.push({ kind: "connection-failed", ...outRoute(m[1], m[2]), reason: "retry limit reached", final: true, line });
    } else if ((m = /error: SSL handshake error \((?:error:[0-9A-F]+:SSL routines:[^:]*:)?([^)]+)\)/.exec(line))) {
      // OpenSSL's words: "certificate verify failed" (its own check), "sslv3 alert …" (the peer's).
      const peer = OUT_TAG.exec(line)?.[1];
      if (peer) events.push({ kind: "connection-failed", from: "", to: peer, reason: m[1].trim(), judged: /verify failed/.test(m[1]), line });
    } else if ((m = /error: Stream error \(<stream:error[^>]*><([\w-]+)/.exec(line))) {
      // The receiver closed the stream, e.g. unsupported-stanza-type: it does not take dialback.
      const peer = OUT_TAG.exec(line)?.[1];
      if (peer) events.push({ kind: "connection-failed", from: "", to: peer, reason: `stream error from the receiver: ${m[1]}`, line });
    } else if ((m = /dialback for (incoming|outgoing) route '([^/']+)\/([^']+)' timed out/.exec(line))) {
      const dir = m[1] === "outgoing" ? outRoute(m[2], m[3]) : inRoute(m[2], m[3]);
      events.push({ kind: "dialback-failed", ...dir, reason: "dialback timed out", line });
    }
  }
  return events;
}

export const jabberd2: ServerAdapter<"jabberd2"> = {
  family: "jabberd2",
  dockerContext: "jabberd2",
  c2sPort: 5222,
  s2sPort: 5269,
  render: (_entry: CatalogEntry, config: InstanceConfig) => {
    const hostSettings: Record<string, Record<string, string>> = {};
    for (const v of config.vhosts) {
      hostSettings[v.domain] = { dialback: `on (jabberd2 has no other s2s authentication${v.dialback === "off" ? "; the scenario's off cannot apply" : ""})` };
    }
    const { files, settings, notices } = renderJabberd2(config);
    return { files, settings, hostSettings, notices };
  },
  readyCommand: () => "grep -q 'c2s: .*ready for connections' /run/jabberd2/ready.log",
  // start.sh prints it once router, sm, s2s and c2s have each logged that they are up.
  readyLogLine: () => /^s2s-matrix: jabberd2 router, sm, s2s and c2s are up/,
  versionCommand: () => "cat /etc/s2s-matrix-version",
  parseAuthEvents: parseJabberd2AuthEvents,
  // With itself it fails on quiet servers (each side's ~1.1 KiB session-ticket record
  // arrives in two 1024-byte reads after the stale "oid exists", see the top) and works
  // only when another connection's handshake clears the stale error in between (#24).
  quietSelfPair: true,
  sessionTickets: "large",
};
