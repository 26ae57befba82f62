// Reads the relay's JSON lines (harness/images/relay/relay.mjs) into one
// transcript per s2s connection, summarises each (TLS, certificates, features,
// SASL, dialback, first stanzas) and says in one line what a cell's capture
// shows. Pure: unit-tested on recorded relay output (fixtures/).
import { parse as parseXml, type Element } from "ltx";
import type { CertInfo, TlsSide, TlsProblem, FeatureSet, SaslSummary, DialbackStep, StanzaSeen, StreamErrorSeen, ConnectionSummary, CaptureSummary, CellCapture, CellDomains, CellCaptureResult } from "../../core/capture.ts";
// The shapes it produces are results vocabulary (core/capture.ts); re-exported for its readers.
export type { CertInfo, TlsSide, TlsProblem, FeatureSet, SaslSummary, DialbackStep, StanzaSeen, StreamErrorSeen, ConnectionSummary, CaptureSummary, CellCapture, CellDomains, CellCaptureResult };

/** Who sent what the event describes: the initiator of the connection, its receiver, or the relay itself (TLS facts, errors). */
export type Direction = "i2r" | "r2i" | "relay";

/** One line of the relay's output. */
export interface RelayEvent {
  t: string;
  /** Connection id, `c<n>`, unique for the relay's lifetime. Absent on relay-wide lines (`listening`). */
  conn?: string;
  from?: string | null;
  to?: string | null;
  dir?: Direction;
  ev: string;
  [field: string]: unknown;
}

export interface ConnectionTranscript {
  id: string;
  from: string | null;
  to: string | null;
  events: RelayEvent[];
}

const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";
const NS_STREAM = "http://etherx.jabber.org/streams";
const NS_DIALBACK = "jabber:server:dialback";
const NS_STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams";

/** The relay's lines → events (other lines, e.g. a stray Node warning, are skipped). */
export function parseRelayLines(lines: string[]): RelayEvent[] {
  const out: RelayEvent[] = [];
  for (const line of lines) {
    const s = line.trim();
    if (!s.startsWith("{")) continue;
    try {
      const e = JSON.parse(s);
      if (e && typeof e === "object" && typeof e.ev === "string") out.push(e as RelayEvent);
    } catch {
      // not one of the relay's lines
    }
  }
  return out;
}

/** Events grouped by connection, in order of first appearance; from/to are the initiator's stream header's. */
export function transcripts(lines: string[] | RelayEvent[]): ConnectionTranscript[] {
  const events = typeof lines[0] === "string" ? parseRelayLines(lines as string[]) : (lines as RelayEvent[]);
  const byId = new Map<string, ConnectionTranscript>();
  for (const e of events) {
    if (!e.conn) continue;
    let t = byId.get(e.conn);
    if (!t) byId.set(e.conn, (t = { id: e.conn, from: null, to: null, events: [] }));
    t.events.push(e);
    if (t.from === null && e.from) t.from = e.from;
    if (t.to === null && e.to) t.to = e.to;
  }
  return [...byId.values()];
}

function xmlOf(e: RelayEvent): Element | undefined {
  if (typeof e.xml !== "string") return undefined;
  try {
    return parseXml(e.xml.replace(/…\[\d+ chars cut\]$/, ""));
  } catch {
    return undefined;
  }
}

const elements = (el: Element): Element[] => el.children.filter((c): c is Element => typeof c !== "string");

/** Local name, whatever the prefix. */
const local = (name: string) => name.slice(name.indexOf(":") + 1);

function features(el: Element): FeatureSet {
  const f: FeatureSet = { starttls: false, mechanisms: [], external: false, dialback: false, bidi: false, other: [] };
  for (const c of elements(el)) {
    const ns = c.attrs.xmlns as string | undefined;
    const name = local(c.name);
    if (name === "starttls" && ns === NS_TLS) f.starttls = elements(c).some((x) => local(x.name) === "required") ? "required" : "optional";
    else if (name === "mechanisms" && ns === NS_SASL) f.mechanisms = elements(c).map((m) => m.getText().trim());
    else if (name === "dialback" && ns === "urn:xmpp:features:dialback") f.dialback = true;
    else if (name === "bidi" && (ns === "urn:xmpp:features:bidi" || ns === "urn:xmpp:bidi")) f.bidi = true;
    else f.other.push(ns ? `${name} ${ns}` : name);
  }
  f.external = f.mechanisms.includes("EXTERNAL");
  return f;
}

/** The defined condition and text of a SASL failure, stream error or stanza error. */
function conditionOf(el: Element): { condition?: string; text?: string } {
  const kids = elements(el);
  const cond = kids.find((c) => local(c.name) !== "text");
  const text = kids.find((c) => local(c.name) === "text")?.getText().trim();
  return { condition: cond ? local(cond.name) : undefined, text: text || undefined };
}

function decodeAuthzid(payload: string): string | undefined {
  const p = payload.trim();
  if (!p) return undefined;
  if (p === "=") return "=";
  try {
    return Buffer.from(p, "base64").toString("utf8");
  } catch {
    return undefined;
  }
}

const arrow = (e: RelayEvent, from: string | null, to: string | null) =>
  e.dir === "i2r" ? `${from ?? "?"} → ${to ?? "?"}` : e.dir === "r2i" ? `${to ?? "?"} → ${from ?? "?"}` : "relay";

function ekuText(eku: string[] | null | undefined): string {
  if (eku === undefined) return "?";
  if (eku === null) return "no EKU (any purpose)";
  return eku.length === 1 ? `${eku[0]} only` : eku.join(", ");
}

function certLine(c: CertInfo | null | undefined): string {
  if (c === undefined) return "?";
  if (c === null) return "none";
  return `${c.subject} [${c.san.join(" ")}] EKU ${ekuText(c.eku)}, issuer ${c.issuer}`;
}

/** One readable line per event. */
function describe(e: RelayEvent, from: string | null, to: string | null): string {
  const time = typeof e.t === "string" ? e.t.slice(11, 23) : "";
  const who = arrow(e, from, to);
  let what: string;
  switch (e.ev) {
    case "stream": {
      const a = (e.attrs ?? {}) as Record<string, string>;
      what = `<stream:stream${["from", "to", "version", "id"].filter((k) => a[k]).map((k) => ` ${k}='${a[k]}'`).join("")}> (${e.phase})`;
      break;
    }
    case "element":
      what = String(e.xml);
      break;
    case "stanza": {
      const a = (e.attrs ?? {}) as Record<string, string>;
      const kids = ((e.children ?? []) as { name: string }[]).map((c) => c.name).join(",");
      what = `<${e.name}${Object.entries(a).filter(([k]) => !k.startsWith("xmlns")).map(([k, v]) => ` ${k}='${v}'`).join("")}>${kids ? ` {${kids}}` : ""}`;
      break;
    }
    case "tls":
      what =
        e.side === "initiator"
          ? `TLS with initiator: ${e.version} ${e.cipher}, SNI ${e.sni ?? "none"}, client certificate: ${certLine(e.peerCertificate as CertInfo | null)}`
          : `TLS with receiver: ${e.version} ${e.cipher}, CertificateRequest ${e.clientCertRequested === null ? "unknown" : e.clientCertRequested ? "received" : "not received"}, relay presented ${certLine(e.presented as CertInfo | null)}, receiver certificate: ${certLine(e.peerCertificate as CertInfo | null)}`;
      break;
    case "tls-error":
      what = `TLS error with ${e.side}: ${e.alert ? `alert ${e.alert}: ` : ""}${e.message}`;
      break;
    case "socket-error":
      what = `socket error with ${e.side}: ${e.message}`;
      break;
    case "closed":
      what = `${e.side} closed`;
      break;
    case "open":
    case "connected":
      what = `${e.ev} ${e.upstream}`;
      break;
    case "end":
      what = `end (${JSON.stringify(e.traffic)} bytes)`;
      break;
    default:
      what = e.ev + (e.message ? `: ${e.message}` : "");
  }
  return `${time} ${e.conn} ${who}: ${what}`;
}

/** What one connection shows: TLS, certificates, features, SASL, dialback, first stanzas. */
export function summarize(conn: ConnectionTranscript): ConnectionSummary {
  const s: ConnectionSummary = {
    id: conn.id,
    from: conn.from,
    to: conn.to,
    purpose: "s2s",
    starttls: false,
    certificates: {},
    alerts: [],
    errors: [],
    dialback: [],
    streamErrors: [],
    firstStanzas: [],
    truncated: false,
    ended: false,
    transcript: conn.events.map((e) => describe(e, conn.from, conn.to)),
  };
  for (const e of conn.events) {
    switch (e.ev) {
      case "starttls":
        s.starttls = true;
        break;
      case "tls":
        onTls(s, e);
        break;
      case "tls-error":
        s.alerts.push({ side: e.side as TlsProblem["side"], alert: e.alert as string | undefined, code: e.code as string | undefined, message: String(e.message ?? "") });
        break;
      case "element":
        onElement(s, e);
        break;
      case "stanza":
        s.firstStanzas.push({
          dir: e.dir as "i2r" | "r2i",
          phase: String(e.phase),
          name: String(e.name),
          attrs: (e.attrs ?? {}) as Record<string, string>,
          children: ((e.children ?? []) as { name: string }[]).map((c) => c.name),
        });
        break;
      case "socket-error":
        s.errors.push({ side: e.side as "initiator" | "receiver", code: e.code as string | undefined, message: String(e.message ?? "") });
        break;
      case "error":
      case "relay-error":
        s.errors.push({ side: "relay", message: String(e.message ?? "") });
        break;
      case "closed":
        if (e.beforeStream) s.closedAfterTls = true;
        break;
      case "truncated":
        s.truncated = true;
        break;
      case "end":
        s.ended = true;
        if (e.truncated) s.truncated = true;
        break;
    }
  }
  if (s.dialback.length && s.dialback.every((d) => d.kind === "verify") && !s.sasl) s.purpose = "dialback-verify";
  return s;
}

/** A TLS handshake as one side saw it: version, cipher, and the certificates on each leg. */
function onTls(s: ConnectionSummary, e: RelayEvent): void {
  s.tls ??= {};
  if (e.side === "initiator") {
    s.tls.initiator = { version: e.version as string, cipher: e.cipher as string, sni: (e.sni as string | null) ?? null };
    s.certificates.initiator = (e.peerCertificate as CertInfo | null) ?? null;
    return;
  }
  s.tls.receiver = {
    version: e.version as string,
    cipher: e.cipher as string,
    authorized: e.authorized as boolean | undefined,
    authorizationError: e.authorizationError as string | undefined,
  };
  s.clientCertRequested = (e.clientCertRequested as boolean | null | undefined) ?? null;
  s.certificates.receiver = (e.peerCertificate as CertInfo | null) ?? null;
  s.certificates.presentedToReceiver = (e.presented as CertInfo | null) ?? null;
}

/** A stream-level element: the receiver's features, a stream error, a SASL or dialback step. */
function onElement(s: ConnectionSummary, e: RelayEvent): void {
  const el = xmlOf(e);
  if (!el) return;
  const ns = e.ns as string | null;
  const name = local(String(e.name));
  const dir = e.dir as "i2r" | "r2i";
  if (ns === NS_STREAM && name === "features" && dir === "r2i") {
    if (e.phase === "plain") s.plainFeatures ??= features(el);
    else if (e.phase === "tls") s.features ??= features(el);
  } else if (ns === NS_STREAM && name === "error") {
    const c = elements(el).filter((x) => x.attrs.xmlns === NS_STREAM_ERRORS || local(x.name) === "text");
    const cond = c.find((x) => local(x.name) !== "text");
    const text = c.find((x) => local(x.name) === "text")?.getText().trim();
    s.streamErrors.push({ dir, condition: cond ? local(cond.name) : undefined, text: text || undefined });
  } else if (ns === NS_SASL) {
    onSasl(s, name, dir, el);
  } else if (ns === NS_DIALBACK && (name === "result" || name === "verify")) {
    s.dialback.push(dialbackStep(name, dir, el));
  }
}

/** SASL: the initiator's auth opens it (EXTERNAL with its authzid); the first success, failure or abort ends it. */
function onSasl(s: ConnectionSummary, name: string, dir: "i2r" | "r2i", el: Element): void {
  if (name === "auth" && dir === "i2r") {
    const mechanism = el.attrs.mechanism as string | undefined;
    s.sasl ??= { mechanism, result: "pending" };
    if (mechanism === "EXTERNAL") s.sasl.authzid = decodeAuthzid(el.getText());
    return;
  }
  if (s.sasl?.result !== "pending") return;
  if (name === "success" && dir === "r2i") s.sasl.result = "success";
  else if (name === "failure" && dir === "r2i") Object.assign(s.sasl, { result: "failure" }, conditionOf(el));
  else if (name === "abort" && dir === "i2r") s.sasl.result = "abort";
}

function dialbackStep(kind: "result" | "verify", dir: "i2r" | "r2i", el: Element): DialbackStep {
  const step: DialbackStep = { kind, dir, type: (el.attrs.type as string | undefined) ?? null };
  if (el.attrs.from) step.from = el.attrs.from as string;
  if (el.attrs.to) step.to = el.attrs.to as string;
  if (step.type === "error") {
    const err = elements(el).find((x) => local(x.name) === "error");
    if (err) step.condition = conditionOf(err).condition;
  }
  return step;
}

/** Whether a connection carries `from → to`: by its stream header, or (header without `from`) by its dialback elements. */
function carries(t: ConnectionTranscript, from: string, to: string): boolean {
  if (t.from === from && t.to === to) return true;
  if (t.from !== null || t.to !== to) return false;
  return t.events.some((e) => {
    if (e.ev !== "element" || e.ns !== NS_DIALBACK) return false;
    const a = (e.attrs ?? {}) as Record<string, string>;
    return e.dir === "i2r" && a.from === from && a.to === to;
  });
}

/** The connection a relay line is about: `conn` is the line's second field, before anything a server sent. */
const connOf = (line: string) => /^\{"t":"[^"]*","conn":"(c\d+)"/.exec(line)?.[1];

/**
 * The lines of every connection that names either domain (as the relay's JSON quotes
 * it: stream header, dialback attributes), all of them, its `accept` included. A
 * relay log holds every concurrent cell's connections: parsing only these is what
 * keeps a cell's capture from costing the run's concurrency times its own lines.
 */
export function connectionLines(lines: string[], domains: CellDomains): string[] {
  const quoted = [JSON.stringify(domains.initiator), JSON.stringify(domains.receiver)];
  const ids = new Set<string>();
  for (const line of lines) {
    if (!quoted.some((q) => line.includes(q))) continue;
    const id = connOf(line);
    if (id) ids.add(id);
  }
  return lines.filter((line) => ids.has(connOf(line) ?? ""));
}

/** The cell's connections in the relay's lines (e.g. `relay.logs.since(mark)`): initiator → receiver and the reverse. */
export function captureFor(lines: string[] | RelayEvent[], domains: CellDomains): CellCapture {
  const all = transcripts(typeof lines[0] === "string" ? connectionLines(lines as string[], domains) : lines);
  return {
    outbound: all.filter((t) => carries(t, domains.initiator, domains.receiver)).map(summarize),
    inbound: all.filter((t) => carries(t, domains.receiver, domains.initiator)).map(summarize),
  };
}

const failureText = (s: SaslSummary) => `<${s.condition ?? "failure"}/>${s.text ? `: ${s.text}` : ""}`;

/** One connection from `from` to `to` in a few words; `long` adds the certificate facts. */
function connectionStory(s: ConnectionSummary, receiver: string, long: boolean): { text: string; ok: boolean } {
  const tlsAlert = s.alerts.find((a) => a.side === "receiver") ?? s.alerts[0];
  if (tlsAlert && !s.features) {
    // The relay runs two TLS legs; name the one that failed.
    const leg = tlsAlert.side === "receiver" ? `${receiver} (receiver leg)` : `${s.from ?? "the initiator"} (initiator leg)`;
    return { text: `TLS with ${leg} failed: ${tlsAlert.alert ? `alert ${tlsAlert.alert}` : tlsAlert.message}`, ok: false };
  }
  const relayError = s.errors.find((x) => x.side === "relay");
  if (relayError && !s.plainFeatures) return { text: `relay: ${relayError.message}`, ok: false };
  const unreachable = s.errors.find((x) => x.side === "receiver");
  if (unreachable && !s.plainFeatures) return { text: `the relay could not reach ${receiver}'s server: ${unreachable.code ?? unreachable.message}`, ok: false };
  if (s.closedAfterTls && !s.features) {
    const shown = s.tls?.initiator?.sni !== undefined ? ` (SNI ${s.tls.initiator.sni ?? "none"})` : "";
    return { text: `${s.from ?? "the initiator"} closed the connection after TLS${shown} without opening a stream`, ok: false };
  }
  const parts: string[] = [];
  const cert = s.certificates.initiator;
  const certNote =
    s.clientCertRequested === false
      ? `${receiver} sent no CertificateRequest`
      : cert === null
        ? "initiator presented no certificate"
        : cert
          ? `initiator cert EKU = ${ekuText(cert.eku)}`
          : undefined;
  let ok = false;
  const sasl = s.sasl;
  if (!s.starttls) parts.push(`no STARTTLS${s.plainFeatures && !s.plainFeatures.starttls ? ` (${receiver} offered none)` : ""}`);
  if (sasl?.mechanism === "EXTERNAL" || (s.features?.external && !sasl)) {
    if (!sasl) parts.push(`${receiver} offered EXTERNAL, the initiator did not use it`);
    else if (sasl.result === "success") {
      ok = true;
      parts.push(long ? `${receiver} accepted EXTERNAL${certNote ? ` (${certNote})` : ""}` : "EXTERNAL accepted");
    } else if (sasl.result === "failure") {
      parts.push(long ? `${receiver} offered EXTERNAL, then answered ${failureText(sasl)}${certNote ? ` (${certNote})` : ""}` : `EXTERNAL refused (${failureText(sasl)})`);
    } else parts.push(`EXTERNAL ${sasl.result}`);
  } else if (sasl) {
    parts.push(`SASL ${sasl.mechanism ?? "?"} ${sasl.result}${sasl.result === "failure" ? ` (${failureText(sasl)})` : ""}`);
    ok = sasl.result === "success";
  } else if (s.features) {
    parts.push(`${receiver} did not offer EXTERNAL${certNote ? ` (${certNote})` : ""}`);
  }
  if (!ok) {
    const results = s.dialback.filter((d) => d.kind === "result");
    const answer = results.find((d) => d.dir === "r2i" && d.type);
    if (answer) {
      parts.push(`dialback: result ${answer.type}${answer.condition ? ` <${answer.condition}/>` : ""}`);
      ok = answer.type === "valid";
    } else if (results.length) parts.push("dialback: result unanswered");
    // Only the XEP-0220 feature counts: ejabberd declares xmlns:db on its header with mod_s2s_dialback off too.
    else if (s.features && !s.features.dialback) parts.push(`dialback not offered by ${receiver}`);
    else if (s.features) parts.push(`dialback offered by ${receiver} but not tried`);
  }
  for (const e of s.streamErrors) parts.push(`stream error from ${e.dir === "r2i" ? receiver : (s.from ?? "initiator")}: <${e.condition ?? "?"}/>${e.text ? ` ${e.text}` : ""}`);
  if (s.truncated) parts.push("(capture truncated)");
  return { text: parts.join("; ") || "connection opened, nothing negotiated", ok };
}

/**
 * One line saying what the capture shows for the cell, e.g.
 * `c1-b.example offered EXTERNAL, then answered <not-authorized/>: unsupported certificate purpose (initiator cert EKU = serverAuth only); dialback not offered by c1-b.example`
 * or, for a cell dialback rescued, `EXTERNAL refused (<not-authorized/>: …); dialback: result valid`.
 */
export function diagnoseCapture(capture: CellCapture, domains: CellDomains): string {
  const main = capture.outbound.filter((s) => s.purpose === "s2s");
  if (!main.length) return `no s2s connection ${domains.initiator} → ${domains.receiver} went through the relay`;
  const stories = main.map((s) => connectionStory(s, domains.receiver, true));
  const good = stories.findIndex((x) => x.ok);
  let line: string;
  if (good >= 0) {
    // Federated: the short form, from the connection that made it.
    line = connectionStory(main[good], domains.receiver, false).text;
  } else {
    line = stories[0].text;
    if (stories.length > 1) line += ` (${stories.length} attempts)`;
  }
  const back = capture.inbound.filter((s) => s.purpose === "s2s").map((s) => connectionStory(s, domains.initiator, false));
  if (back.length && !back.some((b) => b.ok)) line += `; reverse ${domains.receiver} → ${domains.initiator}: ${back[0].text}`;
  return line;
}

export function captureCell(lines: string[] | RelayEvent[], domains: CellDomains): CellCaptureResult {
  const capture = captureFor(lines, domains);
  return { diagnosis: diagnoseCapture(capture, domains), ...capture };
}
