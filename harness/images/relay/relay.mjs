// s2s-matrix relay: a TLS-intercepting XMPP server-to-server proxy that records
// the decrypted negotiation of every connection as JSON lines on stdout.
//
// Every domain of the test network resolves to this container. For each incoming
// connection it reads the plain stream header, connects to the real server
// (`hosts[to].upstream`), passes the plain XML through until <proceed/>, then
// terminates TLS on both sides with the real certificates of the domains
// (from /relay/config.json) and relays the decrypted streams, parsing them with
// ltx's streaming parser. Secrets (dialback keys, SASL payloads other than
// EXTERNAL's authorization identity) are redacted before anything is written.
//
// Config: { hosts: { "<domain>": { cert, key, fullchain, upstream: "<host>[:port]" } }, ca: "<PEM>", eventsToken?: "<secret>" }
// Env: RELAY_EVENTS_PORT: the connections' lines go to the one reader on this port
// that first sends the config's eventsToken and a newline (the harness), not to
// stdout: Docker's log pipeline cost the run more CPU than the relay itself.
// Relay-wide lines (listening, fatal, relay-error) stay on stdout.
// Env (for tests): RELAY_CONFIG (default /relay/config.json; "-" reads stdin), RELAY_PORT (5269), RELAY_HOST.
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { X509Certificate, constants, timingSafeEqual } from "node:crypto";
import SaxLtx from "ltx/src/parsers/ltx.js";
import Element from "ltx/src/Element.js";

const CONFIG_PATH = process.env.RELAY_CONFIG || "/relay/config.json";
const PORT = Number(process.env.RELAY_PORT || 5269);
const HOST = process.env.RELAY_HOST || undefined;
const EVENTS_PORT = process.env.RELAY_EVENTS_PORT ? Number(process.env.RELAY_EVENTS_PORT) : undefined;

/** Per-connection bounds: events and bytes of JSON written, stanzas recorded per direction, XML kept per element. */
export const LIMITS = { events: 200, bytes: 64 * 1024, stanzas: 5, xml: 4096 };

const NS = {
  stream: "http://etherx.jabber.org/streams",
  tls: "urn:ietf:params:xml:ns:xmpp-tls",
  sasl: "urn:ietf:params:xml:ns:xmpp-sasl",
  dialback: "jabber:server:dialback",
  dialbackFeature: "urn:xmpp:features:dialback",
  bidi: "urn:xmpp:bidi",
  bidiFeature: "urn:xmpp:features:bidi",
  streamErrors: "urn:ietf:params:xml:ns:xmpp-streams",
};
// Elements of these namespaces are negotiation: recorded in full (redacted). Anything else is a stanza.
const NEGOTIATION = new Set([NS.stream, NS.tls, NS.sasl, NS.dialback, NS.bidi, NS.bidiFeature, NS.dialbackFeature, "urn:xmpp:sm:3"]);

const EKU_NAMES = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

/** A relay-wide line, on stdout. */
const write = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

/** The events reader (RELAY_EVENTS_PORT) once it has shown the token; lines wait for it in `backlog`. */
let reader = null;
let backlog = [];
// Lines go out together every FLUSH_MS, not one write per line or per turn of the event
// loop: each write wakes the reader (and Docker's port proxy on the way). The harness
// reads a cell's lines a quarter of a second after its probe at the earliest.
const FLUSH_MS = 10;
let queued = [];
function flush() {
  if (queued.length === 0) return;
  const text = queued.join("");
  queued = [];
  if (EVENTS_PORT === undefined) process.stdout.write(text);
  else if (reader) reader.write(text);
  else backlog.push(text);
}
/** A connection's line: to the events reader, or to stdout without one. */
function writeLine(line) {
  if (queued.length === 0) setTimeout(flush, FLUSH_MS);
  queued.push(line + "\n");
}
process.on("exit", flush);

// ---------------------------------------------------------------------------
// XML: a stream of top-level elements on top of ltx's SAX tokenizer.

/** Parses one direction of an XMPP byte stream: stream headers (also restarts), top-level elements, stream end. */
class XmlStream {
  constructor({ onHeader, onElement, onEnd, onError }) {
    this.root = null; // the current stream header as an Element (namespace scope of top-level elements)
    this.cursor = null;
    const sax = new SaxLtx();
    sax.on("startElement", (name, attrs) => {
      if (isStreamHeader(name, attrs)) {
        // A stream header, also a restart after TLS or SASL: no end tag for the old one.
        this.root = new Element(name, attrs);
        this.cursor = null;
        onHeader(attrs);
        return;
      }
      const el = new Element(name, attrs);
      if (this.cursor) this.cursor.cnode(el);
      else el.parent = this.root; // resolves namespaces declared on the header; not part of its children
      this.cursor = el;
    });
    sax.on("endElement", (name) => {
      const el = this.cursor;
      if (!el) {
        if (this.root && name === this.root.name) onEnd();
        return;
      }
      if (el.parent && el.parent !== this.root) {
        this.cursor = el.parent;
        return;
      }
      this.cursor = null;
      onElement(el);
    });
    sax.on("text", (text) => {
      if (this.cursor) this.cursor.t(text);
    });
    sax.on("error", (e) => onError?.(e));
    this.sax = sax;
  }
  write(chunk) {
    this.sax.write(chunk);
  }
}

function isStreamHeader(name, attrs) {
  const i = name.indexOf(":");
  const prefix = i >= 0 ? name.slice(0, i) : "";
  const local = i >= 0 ? name.slice(i + 1) : name;
  if (local !== "stream") return false;
  return attrs[prefix ? `xmlns:${prefix}` : "xmlns"] === NS.stream || name === "stream:stream";
}

/** The text of an element replaced by a note of its length. */
function redactText(el, what) {
  const text = el.getText();
  el.children = el.children.filter((c) => typeof c !== "string");
  if (text.length) el.t(`[${what}: ${text.length} chars redacted]`);
}

/** A deep copy of an element, detached from the stream. */
function copyOf(el) {
  const c = new Element(el.name, el.attrs);
  for (const child of el.children) {
    if (typeof child === "string") c.t(child);
    else c.cnode(copyOf(child));
  }
  return c;
}

/** A copy of the element with secrets redacted: dialback keys, SASL payloads (except EXTERNAL's authzid). */
function redacted(el, ns) {
  const copy = copyOf(el);
  const local = el.getName();
  if (ns === NS.dialback && (local === "result" || local === "verify")) redactText(copy, "dialback key");
  if (ns === NS.sasl) {
    if (local === "auth" && el.attrs.mechanism !== "EXTERNAL") redactText(copy, "sasl payload");
    if (local === "challenge" || local === "response" || local === "success") redactText(copy, "sasl payload");
  }
  return copy;
}

function xmlOf(el) {
  const s = el.toString();
  return s.length > LIMITS.xml ? s.slice(0, LIMITS.xml) + `…[${s.length - LIMITS.xml} chars cut]` : s;
}

// ---------------------------------------------------------------------------
// Certificates

function certInfo(pem) {
  if (!pem) return null;
  try {
    const x = new X509Certificate(pem);
    return x509Info(x);
  } catch {
    return null;
  }
}

function x509Info(x) {
  return {
    subject: x.subject.replace(/\n/g, ", "),
    san: x.subjectAltName ? x.subjectAltName.split(", ") : [],
    // Node names the extended key usage list `keyUsage`.
    eku: x.keyUsage ? x.keyUsage.map((oid) => EKU_NAMES[oid] ?? oid) : null,
    issuer: x.issuer.replace(/\n/g, ", "),
    validFrom: x.validFrom,
    validTo: x.validTo,
    serial: x.serialNumber,
    fingerprint256: x.fingerprint256,
  };
}

/** A TLS peer's leaf as presented, or null when it presented none. */
function peerInfo(sock) {
  try {
    const x = sock.getPeerX509Certificate?.();
    if (x) return x509Info(x);
    const c = sock.getPeerCertificate();
    if (!c || !c.raw) return null;
    return x509Info(new X509Certificate(c.raw));
  } catch {
    return null;
  }
}

/** `SSL alert number 43` / ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE → readable alert name. */
function alertOf(err) {
  const code = err?.code ?? "";
  const m = /ALERT_(\w+)$/.exec(code);
  if (m) return m[1].toLowerCase().replace(/_/g, " ");
  const n = /alert number (\d+)/.exec(err?.message ?? "");
  return n ? `alert ${n[1]}` : undefined;
}

// ---------------------------------------------------------------------------
// Config

let config;
try {
  // "-": the config comes on stdin (tests: no key written to disk).
  config = JSON.parse(readFileSync(CONFIG_PATH === "-" ? 0 : CONFIG_PATH, "utf8"));
} catch (e) {
  write({ t: new Date().toISOString(), ev: "fatal", message: `cannot read ${CONFIG_PATH}: ${e.message}` });
  process.exit(2);
}
const hosts = config.hosts ?? {};
/** The config of a domain the relay holds (own properties only: a stream's `to` is the peer's text). */
const hostOf = (domain) => (typeof domain === "string" && Object.hasOwn(hosts, domain) ? hosts[domain] : undefined);
/** TLS contexts by what they are for, made on first use: building one parses the CA, the chain and the key, and a run holds hundreds of domains. */
const contexts = new Map();
function contextFor(key, options) {
  let ctx = contexts.get(key);
  if (!ctx) contexts.set(key, (ctx = tls.createSecureContext(options())));
  return ctx;
}
const keyPair = (h) => ({ cert: h.fullchain ?? h.cert, key: h.key });
/**
 * The key exchange groups OpenSSL 3.0 offers by default, as the relay did on bookworm,
 * not 3.5's, which puts the post-quantum X25519MLKEM768 first: the servers of older
 * suites do not know it, and a leg should not negotiate a larger exchange with the
 * relay than its pair would with each other.
 */
const GROUPS = "X25519:P-256:X448:P-521:P-384";
/** What every context of the relay has: the run's CA (verified against, named in CertificateRequests) and the groups. */
const COMMON = { ca: config.ca, ecdhCurve: GROUPS };
const ticketsOf = (domain) => (hosts[domain].tickets === "large" ? "large" : "small");
/**
 * Per domain and ticket size, one context for both roles: as server it presents the
 * domain to initiators, as client it presents it to receivers (building a context
 * parses the key and the chain; a cell's domains each play both roles).
 * TLS 1.3 servers send session tickets right after the handshake: stateful ones
 * (SSL_OP_NO_TICKET) are under 100 bytes, stateless ones carry the session with
 * the client certificate (over 1 KiB for two). The relay sends the size its
 * receiver sends (`tickets` of the host an initiator asked for): jabberd2 2.7.0 as
 * initiator fails on a ticket record split across its 1 KiB reads, so the other
 * size would change the cell's verdict. As client, the option only leaves TLS 1.2's
 * empty ticket extension out of the ClientHello; the relay resumes no session.
 */
const domainContext = (domain, tickets) =>
  contextFor(`${tickets} ${domain}`, () => ({
    ...keyPair(hosts[domain]),
    ...COMMON,
    ...(tickets === "large" ? {} : { secureOptions: constants.SSL_OP_NO_TICKET }),
  }));
/** Towards receivers: the context of the domain whose certificate the relay presents, or one without a certificate (null). */
const clientContext = (domain) => (domain ? domainContext(domain, ticketsOf(domain)) : contextFor("no certificate", () => ({ ...COMMON })));
const fingerprints = new Map(); // leaf fingerprint → domain whose key we hold
const leaves = new Map(); // domain → its leaf's certInfo
for (const [domain, h] of Object.entries(hosts)) {
  const info = certInfo(h.cert ?? h.fullchain);
  if (info) fingerprints.set(info.fingerprint256, domain);
  leaves.set(domain, info);
}

function upstreamOf(h) {
  const m = /^(.*?)(?::(\d+))?$/.exec(h.upstream);
  return { host: m[1], port: m[2] ? Number(m[2]) : 5269 };
}

// ---------------------------------------------------------------------------
// One relayed connection

let nextId = 1;

class Connection {
  constructor(sock) {
    this.id = `c${nextId++}`;
    this.from = null;
    this.to = null;
    this.count = 0;
    this.bytes = 0;
    this.truncated = false;
    this.stanzas = { i2r: 0, r2i: 0 };
    this.traffic = { i2r: 0, r2i: 0 };
    this.phase = { i2r: "plain", r2i: "plain" };
    this.iSock = sock; // towards the initiator (plain, then TLS server)
    this.rSock = null; // towards the receiver (plain, then TLS client)
    this.pending = []; // initiator data waiting for the receiver side
    this.ready = false; // receiver side can take data
    this.closed = { initiator: false, receiver: false };
    this.upgrading = false;
    this.ended = false;
    /** TLS per leg: none → handshake → secure; a leg closed in `handshake` is a failed handshake even without an alert. */
    this.tls = { initiator: "none", receiver: "none" };
    this.tlsErrors = { initiator: false, receiver: false };
    /** Stream headers the initiator sent after TLS: none means it closed before opening a stream over TLS. */
    this.headersAfterTls = 0;

    this.emit("accept", "relay", { peer: `${sock.remoteAddress}:${sock.remotePort}` });
    this.parsers = { i2r: this.parser("i2r"), r2i: this.parser("r2i") };
    this.onPlainI = (chunk) => this.fromInitiator(chunk);
    sock.on("data", this.onPlainI);
    this.watch(sock, "initiator");
  }

  /** One JSON line, within the connection's budget; after it, a single `truncated` event and then only `end`. */
  emit(ev, dir, fields = {}) {
    const line = JSON.stringify({ t: new Date().toISOString(), conn: this.id, from: this.from, to: this.to, dir, ev, ...fields });
    if (ev !== "end") {
      if (this.truncated) return;
      if (this.count + 1 >= LIMITS.events || this.bytes + line.length > LIMITS.bytes) {
        this.truncated = true;
        writeLine(JSON.stringify({ t: new Date().toISOString(), conn: this.id, from: this.from, to: this.to, dir: "relay", ev: "truncated", events: this.count, bytes: this.bytes }));
        return;
      }
    }
    this.count++;
    this.bytes += line.length + 1;
    writeLine(line);
  }

  parser(dir) {
    return new XmlStream({
      onHeader: (attrs) => this.onHeader(dir, attrs),
      onElement: (el) => this.onElement(dir, el),
      onEnd: () => this.emit("stream-end", dir, { phase: this.phase[dir] }),
      onError: (e) => this.emit("xml-error", dir, { message: String(e?.message ?? e) }),
    });
  }

  /** Records what the bytes say; whatever goes wrong in recording, the bytes are relayed all the same. */
  parse(dir, chunk) {
    try {
      this.parsers[dir].write(chunk);
    } catch (e) {
      this.emit("relay-error", "relay", { message: String(e?.stack ?? e).slice(0, 500) });
    }
  }

  onHeader(dir, attrs) {
    if (dir === "i2r" && this.from === null && this.to === null) {
      this.from = attrs.from ?? null;
      this.to = attrs.to ?? null;
    }
    if (dir === "i2r" && this.phase.i2r !== "plain") this.headersAfterTls++;
    this.emit("stream", dir, { phase: this.phase[dir], attrs });
    if (dir === "i2r" && !this.rSock && !this.ended) this.connectUpstream();
  }

  onElement(dir, el) {
    const ns = el.getNS() ?? null;
    const name = el.name;
    const local = el.getName();
    if (NEGOTIATION.has(ns) || name.startsWith("db:")) {
      this.emit("element", dir, { phase: this.phase[dir], name, ns, attrs: el.attrs, xml: xmlOf(redacted(el, ns)) });
      if (ns === NS.tls && local === "proceed" && dir === "r2i" && this.phase.r2i === "plain") this.upgrading = true;
      // SASL success restarts both streams: what follows is the authenticated stream.
      if (ns === NS.sasl && local === "success" && dir === "r2i") this.phase.i2r = this.phase.r2i = "authenticated";
    } else {
      this.stanzas[dir]++;
      if (this.stanzas[dir] <= LIMITS.stanzas) {
        const children = el.getChildElements().map((c) => ({ name: c.name, ns: c.getNS() ?? null }));
        this.emit("stanza", dir, { phase: this.phase[dir], name, ns, attrs: el.attrs, children });
      }
    }
  }

  fromInitiator(chunk) {
    this.traffic.i2r += chunk.length;
    this.parse("i2r", chunk);
    if (this.ready) this.rSock.write(chunk);
    else this.pending.push(chunk);
  }

  connectUpstream() {
    const h = hostOf(this.to);
    if (!h) {
      this.emit("error", "relay", { message: `no host "${this.to}" in the relay's config`, known: Object.keys(hosts) });
      this.ended = true;
      this.iSock.destroy();
      return;
    }
    const { host, port } = upstreamOf(h);
    this.emit("open", "relay", { upstream: `${host}:${port}` });
    const r = net.connect({ host, port });
    this.rSock = r;
    this.watch(r, "receiver");
    r.on("connect", () => {
      this.emit("connected", "relay", { upstream: `${host}:${port}` });
      this.ready = true;
      for (const c of this.pending.splice(0)) r.write(c);
    });
    this.onPlainR = (chunk) => this.fromReceiverPlain(chunk);
    r.on("data", this.onPlainR);
  }

  fromReceiverPlain(chunk) {
    this.traffic.r2i += chunk.length;
    this.parse("r2i", chunk);
    this.iSock.write(chunk);
    if (this.upgrading) this.startTls();
  }

  /** After <proceed/>: stop reading plain bytes on both sides, TLS server towards the initiator first. */
  startTls() {
    this.upgrading = false;
    this.ready = false;
    const i = this.iSock;
    const r = this.rSock;
    i.removeListener("data", this.onPlainI);
    r.removeListener("data", this.onPlainR);
    i.pause();
    r.pause();
    this.emit("starttls", "relay");
    this.phase.i2r = this.phase.r2i = "tls";
    let sni = null;
    const tickets = ticketsOf(this.to);
    const fallback = domainContext(this.to, tickets);
    const ti = new tls.TLSSocket(i, {
      isServer: true,
      secureContext: fallback,
      // Ask for the initiator's certificate as a receiver does; judge nothing.
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (name, cb) => {
        sni = name;
        cb(null, hostOf(name) ? domainContext(name, tickets) : fallback);
      },
    });
    this.iSock = ti;
    this.tls.initiator = "handshake";
    this.watchTls(ti, "initiator");
    ti.on("secure", () => {
      this.tls.initiator = "secure";
      const peer = peerInfo(ti);
      const c = ti.getCipher();
      this.emit("tls", "relay", {
        side: "initiator",
        version: ti.getProtocol(),
        cipher: c?.standardName ?? c?.name,
        sni,
        served: sni && hostOf(sni) ? sni : this.to,
        // The relay always asks for a client certificate (as the receiver would): this is what the initiator answered.
        peerCertificate: peer,
      });
      // The initiator may speak before the receiver side is up: keep its bytes.
      this.parsers.i2r = this.parser("i2r");
      this.onTlsI = (chunk) => this.fromInitiator(chunk);
      ti.on("data", this.onTlsI);
      this.connectTlsUpstream(r, peer);
    });
  }

  connectTlsUpstream(r, initiatorCert) {
    // Present the certificate the initiator presented (we hold every domain's key), else none.
    const domain = initiatorCert ? (fingerprints.get(initiatorCert.fingerprint256) ?? (hostOf(this.from) ? this.from : null)) : null;
    const tr = tls.connect({ socket: r, servername: this.to, rejectUnauthorized: false, secureContext: clientContext(domain) });
    this.rSock = tr;
    this.tls.receiver = "handshake";
    this.watchTls(tr, "receiver");
    tr.on("secureConnect", () => {
      this.tls.receiver = "secure";
      const c = tr.getCipher();
      // OpenSSL fills the shared signature algorithms on the client only from a CertificateRequest.
      const sigalgs = typeof tr.getSharedSigalgs === "function" ? tr.getSharedSigalgs() : undefined;
      const requested = sigalgs === undefined ? null : sigalgs.length > 0;
      this.emit("tls", "relay", {
        side: "receiver",
        version: tr.getProtocol(),
        cipher: c?.standardName ?? c?.name,
        clientCertRequested: requested,
        // OpenSSL sends the client certificate only in answer to a CertificateRequest.
        presented: domain && requested !== false ? { domain, ...leaves.get(domain) } : null,
        held: domain,
        peerCertificate: peerInfo(tr),
        authorized: tr.authorized,
        authorizationError: tr.authorizationError ? String(tr.authorizationError) : undefined,
      });
      this.parsers.r2i = this.parser("r2i");
      tr.on("data", (chunk) => {
        this.traffic.r2i += chunk.length;
        this.parse("r2i", chunk);
        this.iSock.write(chunk);
      });
      this.ready = true;
      for (const c2 of this.pending.splice(0)) tr.write(c2);
    });
  }

  watch(sock, side) {
    sock.on("error", (e) => {
      if (!this.closed[side]) this.emit("socket-error", "relay", { side, code: e.code, message: e.message });
    });
    sock.on("end", () => {
      const other = side === "initiator" ? this.rSock : this.iSock;
      if (!this.upgrading) other?.end();
    });
    sock.on("close", () => this.onClose(side));
  }

  watchTls(sock, side) {
    sock.on("error", (e) => {
      if (this.tls[side] === "secure" && !String(e.code ?? "").startsWith("ERR_SSL")) {
        // A plain socket error once TLS is up (EPIPE, ECONNRESET while closing): not a TLS problem.
        if (!this.closed[side]) this.emit("socket-error", "relay", { side, code: e.code, message: e.message });
        (side === "initiator" ? this.rSock : this.iSock)?.destroy();
        return;
      }
      this.tlsErrors[side] = true;
      this.emit("tls-error", "relay", { side, code: e.code, alert: alertOf(e), message: e.message, reason: e.reason });
      (side === "initiator" ? this.rSock : this.iSock)?.destroy();
    });
    sock.on("end", () => (side === "initiator" ? this.rSock : this.iSock)?.end());
    sock.on("close", () => this.onClose(side));
  }

  onClose(side) {
    if (this.closed[side]) return;
    this.closed[side] = true;
    if (this.tls[side] === "handshake" && !this.tlsErrors[side]) {
      // Peers that check certificates after the handshake (Node, many servers) just close: no alert to record.
      this.tlsErrors[side] = true;
      this.emit("tls-error", "relay", { side, code: "CLOSED_IN_HANDSHAKE", message: `the ${side} closed the connection during the TLS handshake (no alert)` });
    }
    this.emit("closed", "relay", {
      side,
      // The initiator closed after TLS without opening a stream over it: it rejected what it saw in TLS.
      ...(side === "initiator" && this.tls.initiator === "secure" && this.headersAfterTls === 0 ? { beforeStream: true } : {}),
    });
    const other = side === "initiator" ? this.rSock : this.iSock;
    if (other && !other.destroyed) setTimeout(() => other.destroy(), 1000).unref();
    if (!this.ended && this.closed.initiator && (this.closed.receiver || !this.rSock)) this.finish();
  }

  finish() {
    this.ended = true;
    this.emit("end", "relay", { traffic: this.traffic, stanzas: this.stanzas, events: this.count, truncated: this.truncated });
  }
}

const server = net.createServer((sock) => new Connection(sock));
server.on("error", (e) => {
  write({ t: new Date().toISOString(), ev: "fatal", message: e.message });
  process.exit(1);
});
/** The events port: the first line must be the config's token; a reader that shows it gets the backlog and every line after it. */
function listenForReader(port) {
  const token = Buffer.from(String(config.eventsToken ?? ""));
  const events = net.createServer((sock) => {
    let got = Buffer.alloc(0);
    sock.on("error", () => {});
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk]);
      const nl = got.indexOf(10);
      if (nl < 0 && got.length <= token.length) return;
      const shown = got.subarray(0, nl < 0 ? got.length : nl);
      sock.removeListener("data", onData);
      if (token.length === 0 || nl < 0 || shown.length !== token.length || !timingSafeEqual(shown, token)) return void sock.destroy();
      reader?.destroy();
      reader = sock;
      sock.on("close", () => reader === sock && (reader = null));
      for (const text of backlog.splice(0)) sock.write(text);
    };
    sock.on("data", onData);
  });
  events.on("error", (e) => {
    write({ t: new Date().toISOString(), ev: "fatal", message: `events port ${port}: ${e.message}` });
    process.exit(1);
  });
  return new Promise((resolve) => events.listen({ port, host: HOST }, () => resolve(events.address().port)));
}

server.listen({ port: PORT, host: HOST }, async () => {
  const eventsPort = EVENTS_PORT === undefined ? undefined : await listenForReader(EVENTS_PORT);
  write({ t: new Date().toISOString(), ev: "listening", port: server.address().port, eventsPort, hosts: Object.keys(hosts) });
});
// A bug in recording one connection must not take the others down.
process.on("uncaughtException", (e) => write({ t: new Date().toISOString(), ev: "relay-error", message: String(e?.stack ?? e).slice(0, 500) }));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
