// Certificate profiles: the variable in every cell of the matrix. Each profile is data
// (EKU, validity, issuer, names) so the minting code has no per-profile branches and
// a reader can see at a glance what a profile name means.
import { UsageError } from "../core/errors.ts";
import type { ProfileName } from "../core/types.ts";

export type EkuPurpose = "serverAuth" | "clientAuth";

export interface Profile {
  name: ProfileName;
  /** One line, shown by `s2s-matrix cert --list-profiles`. */
  description: string;
  /** Extended key usages in the leaf; `null` means no EKU extension at all. */
  eku: readonly EkuPurpose[] | null;
  /** Validity relative to "now", in milliseconds. */
  validity: { notBeforeMs: number; notAfterMs: number };
  /** Who signs: the trusted test CA, a second CA nobody trusts, or the leaf itself. */
  issuer: "ca" | "untrusted" | "self";
  /** `domain`: the names asked for; `wrong`: a sibling name (see domain.ts wrongName). */
  names: "domain" | "wrong";
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Usual leaf validity: an hour of clock-skew slack, then 90 days like Let's Encrypt. */
const NORMAL = { notBeforeMs: -HOUR, notAfterMs: 90 * DAY } as const;
const DUAL: readonly EkuPurpose[] = ["serverAuth", "clientAuth"];

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  "server-only": {
    name: "server-only",
    description:
      "EKU serverAuth only: what Let's Encrypt issues since 11 Feb 2026; strict peers reject it as an s2s client certificate",
    eku: ["serverAuth"],
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
  },
  "dual-eku": {
    name: "dual-eku",
    description: "EKU serverAuth + clientAuth: the classic public-CA server certificate, valid in both s2s directions",
    eku: DUAL,
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
  },
  "no-eku": {
    name: "no-eku",
    description: "no EKU extension at all: any purpose is allowed (RFC 5280), so both directions should verify",
    eku: null,
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
  },
  "client-only": {
    name: "client-only",
    description: "EKU clientAuth only: fails wherever the certificate is presented as a TLS server certificate",
    eku: ["clientAuth"],
    validity: NORMAL,
    issuer: "ca",
    names: "domain",
  },
  expired: {
    name: "expired",
    description: "serverAuth + clientAuth, but validity ended 30 days ago (notBefore -60d, notAfter -30d)",
    eku: DUAL,
    validity: { notBeforeMs: -60 * DAY, notAfterMs: -30 * DAY },
    issuer: "ca",
    names: "domain",
  },
  "wrong-name": {
    name: "wrong-name",
    description: "valid chain and dual EKU, but the SAN/CN names a sibling domain (wrong-<domain>) instead of the server",
    eku: DUAL,
    validity: NORMAL,
    issuer: "ca",
    names: "wrong",
  },
  untrusted: {
    name: "untrusted",
    description: "dual EKU, signed by a second test CA of the same shape that no server trusts",
    eku: DUAL,
    validity: NORMAL,
    issuer: "untrusted",
    names: "domain",
  },
  "self-signed": {
    name: "self-signed",
    description: "dual EKU, issuer = subject = the leaf itself; no chain to any CA",
    eku: DUAL,
    validity: NORMAL,
    issuer: "self",
    names: "domain",
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

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
  return (p.eku === null || p.eku.includes("serverAuth")) && p.issuer === "ca" && p.names === "domain" && p.validity.notAfterMs > 0;
}

/** The profile called `name`, or a UsageError listing the allowed names. */
export function getProfile(name: string): Profile {
  if (!isProfileName(name)) {
    throw new UsageError(`unknown certificate profile ${JSON.stringify(name)}; allowed: ${PROFILE_NAMES.join(", ")}`);
  }
  return PROFILES[name];
}
