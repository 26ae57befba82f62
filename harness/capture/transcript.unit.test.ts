// The transcript reader on the relay's recorded output between real servers
// (fixtures/, recorded by relay.int.test.ts with RECORD_CAPTURE_FIXTURES=1):
// Prosody 13.0.7 → ejabberd 23.01, server-only certificates, dialback off and on.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseXml } from "ltx";
import { describe, expect, it } from "vitest";
import { relayConfig } from "./relay.ts";
import { captureCell, captureFor, connectionLines, diagnoseCapture, parseRelayLines, summarize, transcripts } from "./transcript.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8").split("\n");
const OFF = fixture("p13-to-e23-dialback-off.relay.jsonl");
const ON = fixture("p13-to-e23-dialback-on.relay.jsonl");
const off = { initiator: "c1-a.example", receiver: "c1-b.example" };
const on = { initiator: "c2-a.example", receiver: "c2-b.example" };

describe("parseRelayLines / transcripts", () => {
  it("keeps the relay's JSON events and skips anything else", () => {
    const events = parseRelayLines(["(node:1) Warning: something", "", "{not json", '{"no":"ev"}', ...OFF]);
    expect(events).toHaveLength(OFF.filter(Boolean).length);
    expect(events.every((e) => e.conn === "c1")).toBe(true);
  });

  it("groups events by connection; from/to are the initiating stream's", () => {
    const ts = transcripts(ON);
    expect(ts.map((t) => [t.id, t.from, t.to])).toEqual([
      ["c2", "c2-a.example", "c2-b.example"],
      ["c3", "c2-b.example", "c2-a.example"],
      ["c4", "c2-b.example", "c2-a.example"],
    ]);
    // The accept event comes before the stream header names the domains.
    expect(ts[0].events[0]).toMatchObject({ ev: "accept", from: null, to: null });
  });
});

describe("summarize: dialback off (Prosody 13.0.7 → ejabberd 23.01 refuses the server-only certificate)", () => {
  const [c] = transcripts(OFF);
  const s = summarize(c);

  it("both TLS legs, the CertificateRequest and the certificates presented", () => {
    expect(s.starttls).toBe(true);
    expect(s.tls?.initiator).toMatchObject({ version: "TLSv1.3", sni: null }); // Prosody sends no SNI on s2s
    expect(s.tls?.receiver).toMatchObject({ version: "TLSv1.3", authorized: true });
    expect(s.clientCertRequested).toBe(true);
    expect(s.certificates.initiator).toMatchObject({ subject: "CN=c1-a.example", san: ["DNS:c1-a.example"], eku: ["serverAuth"] });
    expect(s.certificates.initiator?.issuer).toMatch(/s2s-matrix test root CA/);
    expect(s.certificates.receiver).toMatchObject({ san: ["DNS:c1-b.example"], eku: ["serverAuth"] });
    expect(s.certificates.presentedToReceiver).toMatchObject({ domain: "c1-a.example", fingerprint256: s.certificates.initiator?.fingerprint256 });
    expect(s.alerts).toEqual([]);
  });

  it("features before and after TLS, the SASL exchange and its result", () => {
    expect(s.plainFeatures).toEqual({ starttls: "required", mechanisms: [], external: false, dialback: false, bidi: false, other: [] });
    expect(s.features).toEqual({ starttls: false, mechanisms: ["EXTERNAL"], external: true, dialback: false, bidi: false, other: [] });
    expect(s.sasl).toEqual({ mechanism: "EXTERNAL", result: "failure", authzid: "c1-a.example", condition: "not-authorized", text: "unsupported certificate purpose" });
    expect(s.dialback).toEqual([]);
    expect(s.firstStanzas).toEqual([]);
    expect(s.ended).toBe(true);
    expect(s.truncated).toBe(false);
  });

  it("a readable transcript, one line per event", () => {
    expect(s.transcript).toHaveLength(c.events.length);
    expect(s.transcript.find((l) => l.includes("<failure"))).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} c1 c1-b\.example → c1-a\.example: <failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/>/,
    );
    expect(s.transcript.some((l) => /TLS with receiver: TLSv1\.3 .*CertificateRequest received/.test(l))).toBe(true);
  });
});

describe("captureFor and diagnoseCapture", () => {
  it("dialback off: EXTERNAL offered, refused for the certificate's purpose, dialback not offered", () => {
    const cap = captureFor(OFF, off);
    expect(cap.outbound.map((x) => x.id)).toEqual(["c1"]);
    expect(cap.inbound).toEqual([]);
    expect(diagnoseCapture(cap, off)).toBe(
      "c1-b.example offered EXTERNAL, then answered <not-authorized/>: unsupported certificate purpose (initiator cert EKU = serverAuth only); dialback not offered by c1-b.example",
    );
  });

  it("dialback on: EXTERNAL refused, dialback valid; the reverse direction authenticates with EXTERNAL", () => {
    const cap = captureFor(ON, on);
    expect(cap.outbound.map((x) => x.id)).toEqual(["c2"]);
    const [o] = cap.outbound;
    expect(o.features).toMatchObject({ external: true, dialback: true });
    expect(o.sasl).toMatchObject({ result: "failure", condition: "not-authorized" });
    expect(o.dialback).toEqual([
      { kind: "result", dir: "i2r", type: null, from: "c2-a.example", to: "c2-b.example" },
      { kind: "result", dir: "r2i", type: "valid", from: "c2-b.example", to: "c2-a.example" },
    ]);
    expect(o.firstStanzas.map((x) => [x.dir, x.phase, x.name, x.children])).toEqual([
      ["i2r", "tls", "message", ["body"]],
      ["i2r", "tls", "iq", ["ping"]],
    ]);
    expect(o.ended).toBe(false); // still open when the cell's lines were taken

    // ejabberd → Prosody (which accepts server-only certificates): EXTERNAL, and ejabberd's db:verify rides on it.
    expect(cap.inbound.map((x) => [x.id, x.sasl?.result])).toEqual([
      ["c3", "success"],
      ["c4", "success"],
    ]);
    expect(cap.inbound[0].dialback.map((d) => [d.kind, d.dir, d.type])).toEqual([
      ["verify", "i2r", null],
      ["verify", "r2i", "valid"],
    ]);
    expect(cap.inbound[0].tls?.initiator?.sni).toBe("c2-a.example"); // ejabberd sends SNI
    expect(cap.inbound[1].firstStanzas[0]).toMatchObject({ name: "iq", phase: "authenticated", attrs: { type: "result" } });
    expect(diagnoseCapture(cap, on)).toBe("EXTERNAL refused (<not-authorized/>: unsupported certificate purpose); dialback: result valid");
  });

  it("a cell's connections only: other cells' lines in the same relay log are left out", () => {
    const both = [...OFF, ...ON];
    expect(captureFor(both, off).outbound.map((x) => x.id)).toEqual(["c1"]);
    expect(captureFor(both, on).outbound.map((x) => x.id)).toEqual(["c2"]);
    // The other way round, outbound and inbound swap.
    const swapped = captureFor(ON, { initiator: on.receiver, receiver: on.initiator });
    expect(swapped.outbound.map((x) => x.id)).toEqual(["c3", "c4"]);
    expect(swapped.inbound.map((x) => x.id)).toEqual(["c2"]);
    expect(diagnoseCapture(swapped, { initiator: on.receiver, receiver: on.initiator })).toBe("EXTERNAL accepted");
  });

  it("connectionLines: every line of the cell's connections, from the accept on, and no other cell's", () => {
    // The two fixtures' cells interleaved, as concurrent cells are in one relay log.
    const mixed = ON.flatMap((l, i) => [OFF[i] ?? "", l]);
    const ofConn = (lines: string[], ids: string[]) => lines.filter((l) => ids.some((id) => l.startsWith("{") && JSON.parse(l).conn === id));
    expect(connectionLines(mixed, off)).toEqual(ofConn(OFF, ["c1"]));
    expect(connectionLines(mixed, on)).toEqual(ofConn(ON, ["c2", "c3", "c4"]));
    expect(connectionLines(mixed, off)[0]).toContain('"ev":"accept"'); // names no domain: kept by its connection
    const cap = captureFor(mixed, off);
    expect(cap.outbound[0].transcript).toHaveLength(ofConn(OFF, ["c1"]).length);
  });

  it("captureCell: diagnosis and both directions in one object", () => {
    const c = captureCell(ON, on);
    expect(c.diagnosis).toBe(diagnoseCapture(captureFor(ON, on), on));
    expect([c.outbound.length, c.inbound.length]).toEqual([1, 2]);
  });

  it("says when nothing went through the relay, and when the capture was cut", () => {
    expect(diagnoseCapture(captureFor([], off), off)).toBe("no s2s connection c1-a.example → c1-b.example went through the relay");
    const cut = [...OFF, JSON.stringify({ t: "2026-01-01T00:00:00.000Z", conn: "c1", from: off.initiator, to: off.receiver, dir: "relay", ev: "truncated" })];
    const cap = captureFor(cut, off);
    expect(cap.outbound[0].truncated).toBe(true);
    expect(diagnoseCapture(cap, off)).toMatch(/; \(capture truncated\)$/);
  });

  it("a receiver the relay cannot reach, and a domain missing from its config", () => {
    const ev = (o: object) => JSON.stringify({ t: "2026-01-01T00:00:00.000Z", conn: "c9", from: off.initiator, to: off.receiver, ...o });
    const refused = [ev({ dir: "i2r", ev: "stream", phase: "plain", attrs: {} }), ev({ dir: "relay", ev: "socket-error", side: "receiver", code: "ECONNREFUSED", message: "connect ECONNREFUSED" })];
    expect(diagnoseCapture(captureFor(refused, off), off)).toBe("the relay could not reach c1-b.example's server: ECONNREFUSED");
    const unknown = [ev({ dir: "relay", ev: "error", message: 'no host "c1-b.example" in the relay\'s config' })];
    expect(diagnoseCapture(captureFor(unknown, off), off)).toBe('relay: no host "c1-b.example" in the relay\'s config');
  });

  it("recorded output holds no key: dialback keys are redacted, no private key material", () => {
    const text = [...OFF, ...ON].join("\n");
    expect(text).not.toMatch(/PRIVATE KEY/);
    const db = parseRelayLines(ON).filter((e) => e.ev === "element" && /^db:/.test(String(e.name)));
    expect(db.length).toBe(4);
    const texts = db.map((e) => parseXml(String(e.xml)).getText());
    // db:result and db:verify requests carry the key, Prosody's db:verify answer repeats it; ejabberd's db:result answer has none.
    expect(texts.filter(Boolean)).toEqual(Array(3).fill("[dialback key: 64 chars redacted]"));
  });
});

describe("relayConfig", () => {
  const tls = { cert: "C", key: "K", fullchain: "F" };
  it("maps domains to certificate, key, chain and upstream", () => {
    expect(JSON.parse(relayConfig([{ domain: "a.example", tls, upstream: "upstream.a.example", tickets: "large" }], "CA"))).toEqual({
      hosts: { "a.example": { cert: "C", key: "K", fullchain: "F", upstream: "upstream.a.example", tickets: "large" } },
      ca: "CA",
    });
  });
  it("refuses a domain given twice", () => {
    expect(() => relayConfig([{ domain: "a.example", tls, upstream: "x", tickets: "small" }, { domain: "a.example", tls, upstream: "y", tickets: "small" }], "CA")).toThrow(/twice/);
  });
});
