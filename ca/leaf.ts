// Leaf certificates: the same construction for every profile, driven by the profile's data.
import "./reflect-polyfill.ts";
import * as x509 from "@peculiar/x509";
import { UsageError } from "../core/errors.ts";
import type { HostCertificate } from "../core/types.ts";
import type { ProfileName } from "../core/types.ts";
import { validateDomain, wrongName } from "./domain.ts";
import { KEY_TYPES, pooledKeyMaterial, randomSerial, type KeyMaterial, type KeyType } from "./keys.ts";
import { mintLeaf } from "./mint.ts";
import { getProfile, type Profile } from "./profiles.ts";

export interface IssueOptions {
  /** Extra SAN dNSNames after the domain (e.g. conference.<domain>); same rules as the domain. */
  altNames?: string[];
  /** Leaf key algorithm; default the CA's. */
  keyType?: KeyType;
  /** Key pool role: leaves with different roles get different keys. Default "leaf". */
  keyRole?: string;
  /** Fixed clock, for tests. */
  now?: Date;
}

/** What a certificate is signed with: issuer name, key and key id, plus the chain to ship. */
export interface Signer {
  name: x509.Name;
  key: KeyMaterial;
  /** Hex subjectKeyIdentifier of the issuer, copied into the authorityKeyIdentifier. */
  keyId: string;
  /** Intermediate PEMs that follow a leaf in its fullchain. */
  chain: string[];
}

/**
 * What a leaf needs of the CA that signs it (TestCa in authority.ts is one): declared
 * here so that leaf.ts does not import authority.ts, which imports it.
 */
export interface LeafIssuer {
  readonly tld: string;
  readonly keyType: KeyType;
  /** The CA that signs leaves. */
  signer(): Signer;
  /** The signer of profiles issued through an intermediate. */
  intermediateSigner(): Promise<Signer>;
  /** A CA no server trusts (the `untrusted` profile). */
  untrusted(): Promise<LeafIssuer>;
}

/** Validates the domain and profile, then mints the leaf. */
export async function issueLeaf(
  ca: LeafIssuer,
  domain: string,
  profile: ProfileName | string,
  opts: IssueOptions = {},
): Promise<HostCertificate> {
  const p = getProfile(profile);
  validateDomain(domain, ca.tld);
  for (const name of opts.altNames ?? []) validateDomain(name, ca.tld);
  if (p.names === "wildcard" && domain.split(".").length < 3) {
    throw new UsageError(
      `profile ${p.name} covers the domain with *.<parent>: ${JSON.stringify(domain)} has no parent below .${ca.tld}; use a subdomain such as xmpp.${domain}`,
    );
  }
  if (opts.keyType !== undefined && !KEY_TYPES.includes(opts.keyType)) {
    throw new UsageError(`unknown key type ${JSON.stringify(opts.keyType)}; allowed: ${KEY_TYPES.join(", ")}`);
  }
  return signLeafUnchecked(ca, [domain, ...(opts.altNames ?? [])], p, opts);
}

/**
 * Mints a leaf without checking the names. Internal (not re-exported by index.ts): the
 * tests use it to prove that the CA's nameConstraints reject names outside the TLD.
 */
export async function signLeafUnchecked(
  ca: LeafIssuer,
  requested: string[],
  profile: Profile,
  opts: IssueOptions = {},
): Promise<HostCertificate> {
  const now = (opts.now ?? new Date()).getTime();
  const keyType = opts.keyType ?? profile.keyType ?? ca.keyType;
  // A profile through an intermediate gets a key of its own, as each operator has: ejabberd's
  // pkix pairs keys and certificates by public key across all of a server's files, so one key
  // under several chains (root-signed, full chain, leaf alone) could mix them (a precaution).
  const key = await pooledKeyMaterial(keyType, opts.keyRole ?? (profile.issuer === "intermediate" ? `leaf/${profile.name}` : undefined));
  const names = leafNames(requested, profile.names);
  // No CN: RFC 5280 4.2.1.6 wants the SAN critical when the subject is empty.
  const subject = profile.subject === "cn" ? `CN=${names[0]}` : "";

  const signer: Signer =
    profile.issuer === "ca"
      ? ca.signer()
      : profile.issuer === "intermediate"
        ? await ca.intermediateSigner()
        : profile.issuer === "untrusted"
          ? (await ca.untrusted()).signer()
          : { name: new x509.Name(subject), key, keyId: key.keyId, chain: [] };

  const der = mintLeaf({
    serialHex: randomSerial(),
    subject: subject ? new x509.Name(subject) : null,
    issuer: signer.name,
    notBefore: new Date(now + profile.validity.notBeforeMs),
    notAfter: new Date(now + profile.validity.notAfterMs),
    publicKey: key,
    signer: signer.key,
    issuerKeyId: signer.keyId,
    dnsNames: names,
    sanCritical: profile.subject === "empty",
    // RSA keys can do key transport (TLS 1.2 RSA kx); EC keys only sign.
    keyEncipherment: keyType === "rsa" && profile.keyEncipherment,
    subjectKeyId: profile.subjectKeyId,
    eku: profile.eku,
  });
  const pem = x509.PemConverter.encode(der, "CERTIFICATE");
  const sent = profile.sends === "leaf" ? [pem] : [pem, ...signer.chain];
  return { cert: pem, key: key.pem, fullchain: sent.join("\n") + "\n" };
}

/** The SAN dNSNames of a leaf: the names asked for, or what the profile makes of them. */
export function leafNames(requested: string[], names: Profile["names"]): string[] {
  switch (names) {
    case "domain":
      return requested;
    case "wrong":
      return requested.map(wrongName);
    case "wildcard":
      return requested.map((n) => `*.${n.slice(n.indexOf(".") + 1)}`);
    case "wildcard-below":
      return requested.map((n) => `*.${n}`);
  }
}
