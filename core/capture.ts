// What the relay's capture of a cell's s2s connections looks like once read
// (harness/capture/transcript.ts builds it; CellResult.capture and results.json carry it).

export interface CertInfo {
  subject: string;
  /** `DNS:b.example`, `othername:…`, as Node prints them. */
  san: string[];
  /** Extended key usage names (`serverAuth`, `clientAuth`) or OIDs; null: no EKU extension (any purpose). */
  eku: string[] | null;
  issuer: string;
  validFrom?: string;
  validTo?: string;
  serial?: string;
  fingerprint256?: string;
}

export interface TlsSide {
  version?: string;
  cipher?: string;
}

export interface TlsProblem {
  /** The TLS connection it happened on: relay↔initiator or relay↔receiver. */
  side: "initiator" | "receiver";
  /** Alert name (`unsupported certificate`, `bad certificate`) when one was received or sent. */
  alert?: string;
  code?: string;
  message: string;
}

export interface FeatureSet {
  starttls: "required" | "optional" | false;
  mechanisms: string[];
  external: boolean;
  /** XEP-0220 `<dialback xmlns='urn:xmpp:features:dialback'/>`. */
  dialback: boolean;
  /** XEP-0288 bidirectional streams. */
  bidi: boolean;
  /** Other features, as `name ns`. */
  other: string[];
}

export interface SaslSummary {
  mechanism?: string;
  /** `pending`: an <auth/> without answer before the connection ended. */
  result: "success" | "failure" | "abort" | "pending";
  condition?: string;
  text?: string;
  /** EXTERNAL's authorization identity (base64-decoded), `=` meaning none. */
  authzid?: string;
}

export interface DialbackStep {
  kind: "result" | "verify";
  dir: "i2r" | "r2i";
  /** `valid`/`invalid`/`error`; null for the request. */
  type: string | null;
  from?: string;
  to?: string;
  /** For `type='error'`: the stanza error condition. */
  condition?: string;
}

export interface StanzaSeen {
  dir: "i2r" | "r2i";
  phase: string;
  name: string;
  attrs: Record<string, string>;
  children: string[];
}

export interface StreamErrorSeen {
  dir: "i2r" | "r2i";
  condition?: string;
  text?: string;
}

export interface ConnectionSummary {
  id: string;
  from: string | null;
  to: string | null;
  /** `dialback-verify`: a connection that only carried db:verify (the receiver asking the authoritative server). */
  purpose: "s2s" | "dialback-verify";
  /** Whether STARTTLS happened (both legs negotiated TLS through the relay). */
  starttls: boolean;
  /** Each TLS leg as negotiated by the relay: with the initiator (relay as server) and with the receiver (relay as client). */
  tls?: { initiator?: TlsSide & { sni?: string | null }; receiver?: TlsSide & { authorized?: boolean; authorizationError?: string } };
  /** Whether the receiver sent a CertificateRequest (null: not observable, undefined: no TLS with the receiver). */
  clientCertRequested?: boolean | null;
  /** Leaf certificates presented: by the initiator (as TLS client), by the receiver (as TLS server), and the one the relay presented to the receiver on the initiator's behalf. null: none presented. */
  certificates: { initiator?: CertInfo | null; receiver?: CertInfo | null; presentedToReceiver?: (CertInfo & { domain?: string }) | null };
  alerts: TlsProblem[];
  /** Socket errors (connection refused, reset) and the relay's own errors (no such domain in its config). */
  errors: { side: "initiator" | "receiver" | "relay"; code?: string; message: string }[];
  /** The receiver's stream features before TLS. */
  plainFeatures?: FeatureSet;
  /** The receiver's stream features on the first stream after TLS (SASL mechanisms, dialback, bidi). */
  features?: FeatureSet;
  sasl?: SaslSummary;
  dialback: DialbackStep[];
  streamErrors: StreamErrorSeen[];
  firstStanzas: StanzaSeen[];
  /** The initiator completed TLS with the relay, then closed without opening a stream over it (it rejected what TLS showed it). */
  closedAfterTls?: boolean;
  /** The relay stopped recording this connection (event/byte bound). */
  truncated: boolean;
  /** The connection was closed on both sides before the lines ended. */
  ended: boolean;
  /** Readable transcript, one line per event. */
  transcript: string[];
}

/** The name the brief uses for one connection's summary. */
export type CaptureSummary = ConnectionSummary;

/** A cell's capture: connections initiator → receiver (what the message needs) and receiver → initiator (the ping reply, dialback verifies). */
export interface CellCapture {
  outbound: ConnectionSummary[];
  inbound: ConnectionSummary[];
}

export interface CellDomains {
  initiator: string;
  receiver: string;
}

/** What a cell can keep (e.g. as CellResult.capture): the one-line diagnosis and both directions' summaries. */
export interface CellCaptureResult extends CellCapture {
  diagnosis: string;
}
