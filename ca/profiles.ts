// Certificate profiles: the variable in every cell of the matrix. Each profile is data
// (EKU, validity, issuer, names) so the minting code has no per-profile branches and
// a reader can see at a glance what a profile name means.
import { UsageError } from "../core/errors.ts";
import type { ProfileName } from "../core/types.ts";
import type { KeyType } from "./keys.ts";

export type EkuPurpose = "serverAuth" | "clientAuth";

export interface Profile {
  name: ProfileName;
  /** One line, shown by `s2s-matrix cert --list-profiles`. */
  description: string;
  /** Extended key usages in the leaf; `null` means no EKU extension at all. */
  eku: readonly EkuPurpose[] | null;
  /** Validity relative to "now", in milliseconds. */
  validity: { notBeforeMs: number; notAfterMs: number };
  /**
   * Who signs: the trusted test CA (its intermediate when it has one), the trusted root
   * through an intermediate in any case, a second CA nobody trusts, or the leaf itself.
   */
  issuer: "ca" | "intermediate" | "untrusted" | "self";
  /**
   * `domain`: the names asked for; `wrong`: a sibling name (see domain.ts wrongName);
   * `wildcard`: `*.<parent>` for a host one label below it (the planner names such hosts
   * `a.c17.example`); `wildcard-below`: `*.<domain>`, which does not cover the domain itself.
   */
  names: "domain" | "wrong" | "wildcard" | "wildcard-below";
  /** `cn`: CN = the first name, as before 2025; `empty`: no subject, the names only in a critical SAN. */
  subject: "cn" | "empty";
  /** Leaf key fixed by the profile; `null`: the CA's key type (or the caller's). */
  keyType: KeyType | null;
  /** A subjectKeyIdentifier in the leaf (Let's Encrypt's tlsserver profile drops it). */
  subjectKeyId: boolean;
  /** keyEncipherment besides digitalSignature in an RSA leaf's key usage (EC leaves only sign). */
  keyEncipherment: boolean;
  /** What the server is given to send: the leaf and its intermediates, or the leaf alone (cert.pem for fullchain.pem). */
  sends: "fullchain" | "leaf";
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Usual leaf validity: an hour of clock-skew slack, then 90 days like Let's Encrypt. */
const NORMAL = { notBeforeMs: -HOUR, notAfterMs: 90 * DAY } as const;
/** 160 hours: Let's Encrypt's shortlived profile ("6 days"). */
const SHORT = { notBeforeMs: -HOUR, notAfterMs: 160 * HOUR } as const;
/** 45 days: Let's Encrypt's tlsserver profile since 13 May 2026 (letsencrypt.org/2025/12/02/from-90-to-45). */
const TLSSERVER_VALIDITY = { notBeforeMs: -HOUR, notAfterMs: 45 * DAY } as const;
const DUAL: readonly EkuPurpose[] = ["serverAuth", "clientAuth"];
/** The shape of every certificate before 2025: CN, SKID, keyEncipherment for RSA, full chain sent. */
const CLASSIC = { subject: "cn", keyType: null, subjectKeyId: true, keyEncipherment: true, sends: "fullchain" } as const;
/**
 * Let's Encrypt's tlsserver profile (letsencrypt.org/2025/01/09/acme-profiles): no CN, no
 * SKID, no clientAuth EKU, no keyEncipherment; the leaf through an intermediate, ECDSA P-256
 * as certbot requests by default.
 */
const TLSSERVER = {
  eku: ["serverAuth"],
  issuer: "intermediate",
  names: "domain",
  subject: "empty",
  keyType: "ec",
  subjectKeyId: false,
  keyEncipherment: false,
  sends: "fullchain",
} as const;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  "server-only": {
    name: "server-only",
    description:
      "EKU serverAuth only: what Let's Encrypt issues since 11 Feb 2026; strict peers reject it as an s2s client certificate",
    eku: ["serverAuth"],
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
    ...CLASSIC,
  },
  "dual-eku": {
    name: "dual-eku",
    description: "EKU serverAuth + clientAuth: the classic public-CA server certificate, valid in both s2s directions",
    eku: DUAL,
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
    ...CLASSIC,
  },
  "no-eku": {
    name: "no-eku",
    description: "no EKU extension at all: any purpose is allowed (RFC 5280), so both directions should verify",
    eku: null,
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
    ...CLASSIC,
  },
  "client-only": {
    name: "client-only",
    description: "EKU clientAuth only: fails wherever the certificate is presented as a TLS server certificate",
    eku: ["clientAuth"],
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
    ...CLASSIC,
  },
  expired: {
    name: "expired",
    description: "serverAuth + clientAuth, but validity ended 30 days ago (notBefore -60d, notAfter -30d)",
    eku: DUAL,
    validity: { notBeforeMs: -60 * DAY, notAfterMs: -30 * DAY },
    issuer: "ca",
    names: "domain",
    ...CLASSIC,
  },
  "wrong-name": {
    name: "wrong-name",
    description: "valid chain and dual EKU, but the SAN/CN names a sibling domain (wrong-<domain>) instead of the server",
    eku: DUAL,
    validity: NORMAL,
    issuer: "ca",
    names: "wrong",
    ...CLASSIC,
  },
  untrusted: {
    name: "untrusted",
    description: "dual EKU, signed by a second test CA of the same shape that no server trusts",
    eku: DUAL,
    validity: NORMAL,
    issuer: "untrusted",
    names: "domain",
    ...CLASSIC,
  },
  "self-signed": {
    name: "self-signed",
    description: "dual EKU, issuer = subject = the leaf itself; no chain to any CA",
    eku: DUAL,
    validity: NORMAL,
    issuer: "self",
    names: "domain",
    ...CLASSIC,
  },
  "le-tlsserver": {
    name: "le-tlsserver",
    description:
      "Let's Encrypt tlsserver: empty subject (SAN only), no SKID, EKU serverAuth, KU digitalSignature, ECDSA P-256, 45 days, sent with its intermediate",
    ...TLSSERVER,
    validity: TLSSERVER_VALIDITY,
  },
  "le-shortlived": {
    name: "le-shortlived",
    description: "Let's Encrypt shortlived: as le-tlsserver, valid 160 hours",
    ...TLSSERVER,
    validity: SHORT,
  },
  "missing-intermediate": {
    name: "missing-intermediate",
    description:
      "as le-tlsserver, but the server sends the leaf alone (cert.pem configured for fullchain.pem): peers cannot reach the root",
    ...TLSSERVER,
    validity: TLSSERVER_VALIDITY,
    sends: "leaf",
  },
  wildcard: {
    name: "wildcard",
    description: "dual EKU, SAN *.<parent> for a host one label below it (a.c17.example under *.c17.example), via the intermediate",
    eku: DUAL,
    validity: NORMAL,
    issuer: "intermediate",
    names: "wildcard",
    ...CLASSIC,
  },
  "wildcard-mismatch": {
    name: "wildcard-mismatch",
    description: "dual EKU, SAN *.<domain> only: a wildcard does not cover the bare domain (RFC 6125 6.4.3), via the intermediate",
    eku: DUAL,
    validity: NORMAL,
    issuer: "intermediate",
    names: "wildcard-below",
    ...CLASSIC,
  },
  "rsa-classic": {
    name: "rsa-classic",
    description:
      "Let's Encrypt classic before 2026: RSA 2048, CN + SAN, SKID, dual EKU, KU digitalSignature + keyEncipherment, 90 days, via the intermediate",
    eku: DUAL,
    validity: NORMAL,
    issuer: "intermediate",
    names: "domain",
    ...CLASSIC,
    keyType: "rsa",
  },
};

// Frozen: every importer shares this array (a test once sorted it in place for the others).
export const PROFILE_NAMES: readonly ProfileName[] = Object.freeze(Object.keys(PROFILES) as ProfileName[]);

export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === "string" && Object.hasOwn(PROFILES, name);
}

/**
 * Whether a certificate of this profile passes an ordinary TLS client's check of
 * the server it connects to (chain to the CA, name, dates, serverAuth or no EKU).
 * The probe's own c2s clients verify only such certificates: the others are meant
 * to fail, and only the s2s peer's verdict on them is the test.
 */
export function verifiableAsServer(name: ProfileName): boolean {
  const p = PROFILES[name];
  return (
    (p.eku === null || p.eku.includes("serverAuth")) &&
    (p.issuer === "ca" || p.issuer === "intermediate") &&
    p.sends === "fullchain" &&
    (p.names === "domain" || p.names === "wildcard") &&
    p.validity.notAfterMs > 0
  );
}

/** The profile called `name`, or a UsageError listing the allowed names. */
export function getProfile(name: string): Profile {
  if (!isProfileName(name)) {
    throw new UsageError(`unknown certificate profile ${JSON.stringify(name)}; allowed: ${PROFILE_NAMES.join(", ")}`);
  }
  return PROFILES[name];
}
