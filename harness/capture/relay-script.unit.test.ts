// relay.mjs itself, run with this Node on loopback between a scripted initiator
// and a scripted receiver (no Docker): STARTTLS on both legs with the domains'
// real certificates, the client certificate passed on, SASL and dialback
// recorded, secrets redacted, the per-connection bound.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import tls from "node:tls";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCa } from "../../ca/index.ts";
import type { HostCertificate } from "../servers/adapter.ts";
import { RELAY_DIR } from "./image.ts";
import { relayConfig } from "./relay.ts";
import { captureFor, diagnoseCapture, parseRelayLines, transcripts, type RelayEvent } from "./transcript.ts";

const A = "a.example";
const B = "b.example";
/** The bound test's initiator: not in the relay's config, no TLS. */
const F = "f.example";
/** An initiator whose receiver sends no CertificateRequest and offers dialback only. */
const N = "n.example";
/** A second initiator that presents a certificate, as a.example does. */
const C = "c.example";
/** A receiver domain whose server sends large session tickets (served by the same scripted receiver). */
const L = "l.example";
const NS_HEADER = "xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'";
const header = (from: string, to: string) => `<stream:stream ${NS_HEADER} from='${from}' to='${to}' version='1.0'>`;

/** A scripted XMPP peer: collects what it receives, waits for a marker in it. */
class Peer {
  buf = "";
  private waiters: (() => void)[] = [];
  constructor(public sock: net.Socket) {
    this.attach(sock);
  }
  attach(sock: net.Socket) {
    this.sock = sock;
    sock.on("data", (d) => {
      this.buf += d.toString();
      this.waiters.splice(0).forEach((w) => w());
    });
    sock.on("error", () => {});
  }
  send(s: string) {
    this.sock.write(s);
  }
  /** Resolves once `marker` has arrived (after the previous wait's position). */
  waitFor(marker: string, ms = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${marker}; got: ${this.buf.slice(-300)}`)), ms);
      const check = () => {
        const i = this.buf.indexOf(marker);
        if (i >= 0) {
          const upTo = this.buf.slice(0, i + marker.length);
          this.buf = this.buf.slice(i + marker.length);
          clearTimeout(timer);
          resolve(upTo);
        } else this.waiters.push(check);
      };
      check();
    });
  }
}

describe("relay.mjs on loopback", () => {
  let relay: ChildProcess;
  let receiver: net.Server;
  let relayPort = 0;
  const lines: string[] = [];
  let certs: Record<string, HostCertificate>;
  let ca = "";
  /** The client certificate's SAN the receiver got, per initiator. */
  const seenByReceiver: Record<string, string | undefined> = {};
  let lineWaiters: (() => void)[] = [];

  const eventsOf = (conn: string) => parseRelayLines(lines).filter((e) => e.conn === conn);
  const waitForEnd = (pred: (e: RelayEvent) => boolean, ms = 5000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("relay wrote no matching line")), ms);
      const check = () => (parseRelayLines(lines).some(pred) ? (clearTimeout(timer), resolve()) : lineWaiters.push(check));
      check();
    });

  /**
   * The scripted receiver b.example. From a.example (and c.example): STARTTLS with a CertificateRequest,
   * EXTERNAL offered then refused, dialback valid. From n.example: no CertificateRequest,
   * dialback only. From f.example: no TLS, it only listens (bound test).
   */
  async function serve(sock: net.Socket) {
    const p = new Peer(sock);
    const first = await p.waitFor("version='1.0'>");
    if (first.includes(`from='${F}'`)) {
      p.send(`${header(B, F)}<stream:features/>`);
      return;
    }
    const from = /from='([^']+)'/.exec(first)![1];
    p.send(`${header(B, from)}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`);
    await p.waitFor("<starttls");
    p.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    sock.removeAllListeners("data");
    const t = new tls.TLSSocket(sock, { isServer: true, key: certs[B].key, cert: certs[B].fullchain, ca, requestCert: from !== N, rejectUnauthorized: false });
    p.buf = "";
    p.attach(t);
    await new Promise<void>((r) => t.once("secure", () => r()));
    seenByReceiver[from] = t.getPeerCertificate()?.subjectaltname;
    await p.waitFor("version='1.0'>");
    const dialback = "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>";
    if (from !== N) {
      p.send(
        `${header(B, from)}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms>` +
          `${dialback}<bidi xmlns='urn:xmpp:features:bidi'/></stream:features>`,
      );
      await p.waitFor("</auth>");
      p.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>unsupported certificate purpose</text></failure>");
    } else {
      p.send(`${header(B, N)}<stream:features>${dialback}</stream:features>`);
    }
    await p.waitFor("</db:result>");
    p.send(`<db:result from='${B}' to='${from}' type='valid'/>`);
    await p.waitFor("</stream:stream>");
    p.send("</stream:stream>");
    t.end();
  }

  /** A connection to the relay that opened with `opening`, up to the receiver's <proceed/>: the socket is the TLS layer's to take. */
  async function untilProceed(opening: string): Promise<{ p: Peer; sock: net.Socket }> {
    const sock = net.connect(relayPort, "127.0.0.1");
    const p = new Peer(sock);
    p.send(opening);
    await p.waitFor("</stream:features>");
    p.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await p.waitFor("<proceed");
    sock.removeAllListeners("data");
    return { p, sock };
  }

  /** The scripted initiator up to TLS: stream, <starttls/>, TLS towards the relay verified with `trust`. */
  async function initiate(from: string, trust: string): Promise<{ p: Peer; t: tls.TLSSocket }> {
    const { p, sock } = await untilProceed(`<?xml version='1.0'?>${header(from, B)}`);
    const t = tls.connect({ socket: sock, servername: B, ca: trust, key: certs[from].key, cert: certs[from].fullchain });
    await new Promise<void>((r, j) => (t.once("secureConnect", () => r()), t.once("error", j)));
    p.buf = "";
    p.attach(t);
    return { p, t };
  }

  beforeAll(async () => {
    const testCa = await createCa({ tld: "example" });
    ca = testCa.trustBundle;
    certs = { [A]: await testCa.issue(A, "server-only"), [C]: await testCa.issue(C, "dual-eku"), [B]: await testCa.issue(B, "server-only"), [N]: await testCa.issue(N, "dual-eku"), [L]: await testCa.issue(L, "server-only") };
    receiver = net.createServer((s) => void serve(s).catch(() => s.destroy()));
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    const up = `127.0.0.1:${(receiver.address() as net.AddressInfo).port}`;
    relay = spawn(process.execPath, [join(RELAY_DIR, "relay.mjs")], {
      env: { ...process.env, RELAY_CONFIG: "-", RELAY_PORT: "0", RELAY_HOST: "127.0.0.1" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    relay.stdin!.end(relayConfig([A, B, C, N, L].map((d) => ({ domain: d, tls: certs[d], upstream: up, tickets: d === L ? "large" : "small" })), ca));
    let partial = "";
    relay.stdout!.on("data", (d: Buffer) => {
      const parts = (partial + d.toString()).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts.filter(Boolean));
      lineWaiters.splice(0).forEach((w) => w());
    });
    await waitForEnd((e) => e.ev === "listening");
    relayPort = parseRelayLines(lines).find((e) => e.ev === "listening")!.port as number;
  });

  afterAll(() => {
    relay?.kill("SIGTERM");
    receiver?.close();
  });

  test("STARTTLS on both legs with the real certificates; EXTERNAL refused, dialback valid; recorded and redacted", async () => {
    const { p, t } = await initiate(A, ca);
    // The relay presented B's real certificate: the initiator can verify it.
    expect(t.authorized).toBe(true);
    p.send(header(A, B));
    await p.waitFor("</stream:features>");
    p.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${Buffer.from(A).toString("base64")}</auth>`);
    await p.waitFor("</failure>");
    p.send(`<db:result from='${A}' to='${B}'>s3cr3t-dialback-key-0123456789</db:result>`);
    await p.waitFor("type='valid'");
    for (let i = 0; i < 7; i++) p.send(`<message from='u@${A}' to='u@${B}' id='m${i}' type='chat'><body>hello ${i}</body></message>`);
    p.send("</stream:stream>");
    await p.waitFor("</stream:stream>");
    t.end();
    const conn = parseRelayLines(lines).find((e) => e.ev === "stream" && e.from === A && e.to === B)!.conn!;
    await waitForEnd((e) => e.conn === conn && e.ev === "end");

    // The receiver got A's certificate as client certificate, passed on by the relay.
    expect(seenByReceiver[A]).toContain(`DNS:${A}`);
    const raw = lines.filter((l) => l.includes(`"conn":"${conn}"`)).join("\n");
    expect(raw).not.toContain("s3cr3t");
    expect(raw).toContain("[dialback key: 30 chars redacted]");
    expect(raw).not.toContain("hello 1"); // stanzas: names and attributes only

    const cap = captureFor(lines, { initiator: A, receiver: B });
    expect(cap.outbound).toHaveLength(1);
    const s = cap.outbound[0];
    expect(s.starttls).toBe(true);
    expect(s.clientCertRequested).toBe(true);
    expect(s.tls?.initiator?.sni).toBe(B);
    expect(s.certificates.initiator?.eku).toEqual(["serverAuth"]);
    expect(s.certificates.presentedToReceiver).toMatchObject({ domain: A });
    expect(s.certificates.receiver?.san).toEqual([`DNS:${B}`]);
    expect(s.tls?.receiver?.authorized).toBe(true);
    expect(s.plainFeatures?.starttls).toBe("required");
    expect(s.features).toMatchObject({ mechanisms: ["EXTERNAL"], external: true, dialback: true, bidi: true });
    expect(s.sasl).toEqual({ mechanism: "EXTERNAL", result: "failure", condition: "not-authorized", text: "unsupported certificate purpose", authzid: A });
    expect(s.dialback).toEqual([
      { kind: "result", dir: "i2r", type: null, from: A, to: B },
      { kind: "result", dir: "r2i", type: "valid", from: B, to: A },
    ]);
    expect(s.firstStanzas.map((x) => x.attrs.id)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(s.firstStanzas[0]).toMatchObject({ dir: "i2r", phase: "tls", name: "message", children: ["body"] });
    expect(s.ended).toBe(true);
    expect(diagnoseCapture(cap, { initiator: A, receiver: B })).toBe("EXTERNAL refused (<not-authorized/>: unsupported certificate purpose); dialback: result valid");
  });

  test("each initiator's own certificate reaches the receiver, connection after connection", async () => {
    for (const from of [C, A, C]) {
      delete seenByReceiver[from];
      const { p, t } = await initiate(from, ca);
      p.send(header(from, B));
      await p.waitFor("</stream:features>");
      p.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${Buffer.from(from).toString("base64")}</auth>`);
      await p.waitFor("</failure>");
      p.send(`<db:result from='${from}' to='${B}'>key</db:result>`);
      await p.waitFor("type='valid'");
      t.end();
      expect(seenByReceiver[from]).toBe(`DNS:${from}`);
    }
  });

  test("a receiver that sends no CertificateRequest: recorded as such, no client certificate passed on; dialback", async () => {
    const { p, t } = await initiate(N, ca);
    p.send(header(N, B));
    await p.waitFor("</stream:features>");
    p.send(`<db:result from='${N}' to='${B}'>another-secret-key</db:result>`);
    await p.waitFor("type='valid'");
    p.send("</stream:stream>");
    await p.waitFor("</stream:stream>");
    t.end();
    const conn = parseRelayLines(lines).find((e) => e.ev === "stream" && e.from === N)!.conn!;
    await waitForEnd((e) => e.conn === conn && e.ev === "end");
    expect(seenByReceiver[N]).toBeUndefined();
    const [s] = captureFor(lines, { initiator: N, receiver: B }).outbound;
    expect(s.clientCertRequested).toBe(false);
    expect(s.certificates.initiator?.eku).toEqual(["serverAuth", "clientAuth"]); // what n.example offered the relay
    expect(s.certificates.presentedToReceiver).toBeNull();
    expect(s.features).toMatchObject({ mechanisms: [], external: false, dialback: true });
    expect(s.sasl).toBeUndefined();
    expect(diagnoseCapture({ outbound: [s], inbound: [] }, { initiator: N, receiver: B })).toBe(
      "b.example did not offer EXTERNAL (b.example sent no CertificateRequest); dialback: result valid",
    );
  });

  test("an initiator that rejects the certificate it is shown: the TLS alert is recorded", async () => {
    const other = await createCa({ tld: "example" });
    await expect(initiate(A, other.trustBundle)).rejects.toThrow();
    await waitForEnd((e) => e.ev === "tls-error" && e.side === "initiator");
    const failed = captureFor(lines, { initiator: A, receiver: B }).outbound.find((x) => x.alerts.length)!;
    // A Node client checks the certificate after the handshake and just closes: there is no alert to see.
    expect(failed.alerts[0]).toMatchObject({ side: "initiator", code: "CLOSED_IN_HANDSHAKE" });
    expect(failed.tls?.receiver).toBeUndefined();
    expect(diagnoseCapture({ outbound: [failed], inbound: [] }, { initiator: A, receiver: B })).toBe(
      "TLS with a.example (initiator leg) failed: the initiator closed the connection during the TLS handshake (no alert)",
    );
  });

  test("a handshake the relay cannot complete (no shared cipher): its OpenSSL error is recorded", async () => {
    const { sock } = await untilProceed(header(A, B));
    // ECDSA-only suites against the relay's RSA certificate.
    const t = tls.connect({ socket: sock, servername: B, ca, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" });
    const err = await new Promise<Error & { code?: string }>((r) => t.once("error", r));
    expect(err.code).toMatch(/ALERT_HANDSHAKE_FAILURE/);
    await waitForEnd((e) => e.ev === "tls-error" && e.code === "ERR_SSL_NO_SHARED_CIPHER");
    const failed = captureFor(lines, { initiator: A, receiver: B }).outbound.find((x) => x.alerts.some((a) => a.code === "ERR_SSL_NO_SHARED_CIPHER"))!;
    expect(failed.alerts).toHaveLength(1);
    expect(diagnoseCapture({ outbound: [failed], inbound: [] }, { initiator: A, receiver: B })).toMatch(/^TLS with a\.example \(initiator leg\) failed: .*no shared cipher/);
  });

  test("a SASL PLAIN payload is redacted; a flood is cut at the bound with one `truncated` event", async () => {
    const sock = net.connect(relayPort, "127.0.0.1");
    const p = new Peer(sock);
    p.send(header(F, B));
    await p.waitFor("<stream:features/>");
    p.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHBhc3N3b3Jk</auth>");
    for (let i = 0; i < 400; i++) p.send(`<r xmlns='urn:xmpp:sm:3' n='${i}'/>`);
    await new Promise((r) => setTimeout(r, 300));
    sock.destroy();
    const conn = parseRelayLines(lines).find((e) => e.ev === "stream" && e.from === F)!.conn!;
    await waitForEnd((e) => e.conn === conn && e.ev === "end");
    const mine = lines.filter((l) => l.includes(`"conn":"${conn}"`));
    expect(mine.join("\n")).not.toContain("AGFsaWNl");
    expect(mine.join("\n")).toContain("[sasl payload: 20 chars redacted]");
    const evs = eventsOf(conn);
    expect(evs.filter((e) => e.ev === "truncated")).toHaveLength(1);
    expect(evs.length).toBeLessThanOrEqual(202); // 200 + truncated + end
    expect(mine.reduce((n, l) => n + l.length + 1, 0)).toBeLessThanOrEqual(64 * 1024 + 1024);
    const [t] = transcripts(lines).filter((x) => x.id === conn);
    expect(t.events.at(-1)!.ev).toBe("end");
  });

  /** The TLS 1.3 session tickets the relay sends an initiator (with a client certificate) on its way to `to`. */
  async function ticketsTowards(to: string): Promise<number[]> {
    const { sock } = await untilProceed(header(A, to));
    const t = tls.connect({ socket: sock, servername: to, ca, key: certs[A].key, cert: certs[A].fullchain });
    const sizes: number[] = [];
    // OpenSSL's default: two tickets, sent together after the handshake.
    await new Promise<void>((resolve) => t.on("session", () => sizes.push(t.getTLSTicket()!.length) === 2 && resolve()));
    t.destroy();
    return sizes;
  }

  test("session tickets the size the receiver's server sends: small (stateful) by default, large (the session inside) where the host says so", async () => {
    // Measured on Node 20 / OpenSSL 3: a stateful ticket is 32 bytes; a stateless one with
    // the client certificate in it over 500 (jabberd2's own: ~1.1 KiB for two).
    for (const n of await ticketsTowards(B)) expect(n).toBeLessThan(100);
    for (const n of await ticketsTowards(L)) expect(n).toBeGreaterThan(500);
  });

  test("a stream to a domain the relay does not know is recorded and closed", async () => {
    // "constructor": a name every JavaScript object answers to, not a domain of the config.
    for (const to of ["nowhere.example", "constructor"]) {
      const sock = net.connect(relayPort, "127.0.0.1");
      sock.on("error", () => {});
      sock.write(header(A, to));
      await new Promise<void>((r) => sock.on("close", () => r()));
      await waitForEnd((e) => e.ev === "error" && e.to === to);
    }
  });
});

describe("relay.mjs with an events port (how the harness runs it)", () => {
  const TOKEN = "0123456789abcdef";
  let relay: ChildProcess;
  const stdout: string[] = [];
  let ports: { port: number; eventsPort: number };

  beforeAll(async () => {
    relay = spawn(process.execPath, [join(RELAY_DIR, "relay.mjs")], {
      env: { ...process.env, RELAY_CONFIG: "-", RELAY_PORT: "0", RELAY_HOST: "127.0.0.1", RELAY_EVENTS_PORT: "0" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    relay.stdin!.end(JSON.stringify({ hosts: {}, ca: "", eventsToken: TOKEN }));
    ports = await new Promise((resolve) =>
      relay.stdout!.on("data", (d: Buffer) => {
        stdout.push(...d.toString().split("\n").filter(Boolean));
        const listening = parseRelayLines(stdout).find((e) => e.ev === "listening");
        if (listening) resolve({ port: listening.port as number, eventsPort: listening.eventsPort as number });
      }),
    );
  });

  afterAll(() => relay?.kill("SIGTERM"));

  /** A stream to a domain the relay does not hold: one connection, recorded as an error and closed. */
  const unknownStream = (to: string) =>
    new Promise<void>((resolve) => {
      const sock = net.connect(ports.port, "127.0.0.1");
      sock.on("error", () => {});
      sock.on("close", () => resolve());
      sock.write(`<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='a.example' to='${to}' version='1.0'>`);
    });

  /** Connects to the events port, sends `first`, and collects what comes back until `until` has arrived or the relay closes. */
  const reader = (first: string) => {
    const sock = net.connect(ports.eventsPort, "127.0.0.1");
    let text = "";
    let arrived = () => {};
    sock.on("data", (d) => ((text += d.toString()), arrived()));
    sock.write(first);
    const closed = new Promise<void>((r) => sock.on("close", () => r()));
    const waitFor = (marker: string) =>
      new Promise<void>((resolve) => {
        const check = () => (text.includes(marker) ? resolve() : (arrived = check));
        check();
      });
    return { sock, closed, waitFor, lines: () => text.split("\n").filter(Boolean) };
  };

  test("a reader without the token is closed and gets nothing; the reader with it gets the lines from before it came and after", async () => {
    await unknownStream("before.example");
    const wrong = reader("not-the-token\n");
    await wrong.closed;
    expect(wrong.lines()).toEqual([]);
    const right = reader(`${TOKEN}\n`);
    await right.waitFor("before.example");
    await unknownStream("after.example");
    await right.waitFor("after.example");
    const evs = parseRelayLines(right.lines());
    expect(evs.filter((e) => e.ev === "error").map((e) => e.to)).toEqual(["before.example", "after.example"]);
    // Connection lines go to the reader only: stdout has the relay's own.
    expect(parseRelayLines(stdout).map((e) => e.ev)).toEqual(["listening"]);
    right.sock.destroy();
  });
});
