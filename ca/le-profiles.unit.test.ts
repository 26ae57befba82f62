// The real-world profiles (Let's Encrypt's tlsserver and shortlived, a missing intermediate,
// wildcards, the classic RSA shape), each read back by openssl and by Node's X509Certificate
// and checked against its description: EKU, KU, subject, SAN, SKID, key type, validity, chain.
// The expectations are written out here, independently of PROFILES.
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostCertificate } from "../core/types.ts";
import { createCa, type TestCa } from "./index.ts";
import { countCerts, extensionText, OID, opensslText, opensslVerify } from "./test-helpers.ts";

type LeName = "le-tlsserver" | "le-shortlived" | "missing-intermediate" | "wildcard" | "wildcard-mismatch" | "rsa-classic";

interface Expected {
  /** The domain asked for. */
  domain: string;
  /** Node's `subject` (undefined: an empty subject) and openssl's SAN line. */
  subject: string | undefined;
  san: string;
  sanCritical: boolean;
  eku: string[];
  /** openssl's key usage line; "ca": that of the CA's key type (keyEncipherment for RSA only). */
  ku: string;
  skid: boolean;
  /** Fixed by the profile, or the CA's ("ca"). */
  key: { type: "ec"; curve: "prime256v1" } | { type: "rsa"; bits: 2048 } | "ca";
  /** Certificates the server is given to send. */
  sent: 1 | 2;
  /** Lifetime after notBefore (an hour before "now"), in hours. */
  hours: number;
}

const SERVER = [OID.serverAuth];
const DUAL = [OID.serverAuth, OID.clientAuth];
const EC = { type: "ec", curve: "prime256v1" } as const;
const RSA = { type: "rsa", bits: 2048 } as const;
const HOST = "c1-a.example";
const EXPECTED: Record<LeName, Expected> = {
  "le-tlsserver": { domain: HOST, subject: undefined, san: `DNS:${HOST}`, sanCritical: true, eku: SERVER, ku: "critical Digital Signature", skid: false, key: EC, sent: 2, hours: 45 * 24 + 1 },
  "le-shortlived": { domain: HOST, subject: undefined, san: `DNS:${HOST}`, sanCritical: true, eku: SERVER, ku: "critical Digital Signature", skid: false, key: EC, sent: 2, hours: 161 },
  "missing-intermediate": { domain: HOST, subject: undefined, san: `DNS:${HOST}`, sanCritical: true, eku: SERVER, ku: "critical Digital Signature", skid: false, key: EC, sent: 1, hours: 45 * 24 + 1 },
  wildcard: { domain: "a.c1.example", subject: "CN=*.c1.example", san: "DNS:*.c1.example", sanCritical: false, eku: DUAL, ku: "ca", skid: true, key: "ca", sent: 2, hours: 90 * 24 + 1 },
  "wildcard-mismatch": { domain: HOST, subject: `CN=*.${HOST}`, san: `DNS:*.${HOST}`, sanCritical: false, eku: DUAL, ku: "ca", skid: true, key: "ca", sent: 2, hours: 90 * 24 + 1 },
  "rsa-classic": { domain: HOST, subject: `CN=${HOST}`, san: `DNS:${HOST}`, sanCritical: false, eku: DUAL, ku: "critical Digital Signature, Key Encipherment", skid: true, key: RSA, sent: 2, hours: 90 * 24 + 1 },
};
const NAMES = Object.keys(EXPECTED) as LeName[];
const PURPOSE = /error 26 .*(unsupported|unsuitable) certificate purpose/;
const NO_ISSUER = /error 20 .*unable to get local issuer certificate/;

/** The certificates of a PEM bundle, in order. */
const certsOf = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));

// The run's CA has no intermediate of its own (and an RSA root); an EC CA shows that the
// profile, not the CA, decides the leaf's key type.
describe.each([
  ["the run's CA (RSA root, no intermediate)", { keyType: "rsa" as const }],
  ["an EC CA", { keyType: "ec" as const }],
])("%s", (_, opts) => {
  const now = new Date("2026-03-01T12:00:00Z");
  let ca: TestCa;
  const leaves = new Map<LeName, HostCertificate>();
  beforeAll(async () => {
    ca = await createCa({ ...opts, now });
    for (const name of NAMES) leaves.set(name, await ca.issue(EXPECTED[name].domain, name, { now }));
  });

  it.each(NAMES)("%s: subject, SAN, EKU, KU, SKID and key type", (name) => {
    const want = EXPECTED[name];
    const key = want.key === "ca" ? (opts.keyType === "rsa" ? RSA : EC) : want.key;
    const ku = want.ku !== "ca" ? want.ku : opts.keyType === "rsa" ? "critical Digital Signature, Key Encipherment" : "critical Digital Signature";
    const leaf = leaves.get(name)!;
    const x = new X509Certificate(leaf.cert);
    const text = opensslText(leaf.cert);
    expect(x.subject).toBe(want.subject);
    expect(text).toMatch(want.subject === undefined ? /\n\s+Subject: ?\n/ : new RegExp(`Subject: CN ?= ?${want.subject!.slice(3).replace(/[.*]/g, "\\$&")}\n`));
    expect(x.subjectAltName).toBe(want.san);
    expect(extensionText(text, "X509v3 Subject Alternative Name")).toBe(`${want.sanCritical ? "critical " : ""}${want.san}`);
    expect(x.keyUsage).toEqual(want.eku);
    expect(extensionText(text, "X509v3 Key Usage")).toBe(ku);
    expect(text.includes("X509v3 Subject Key Identifier")).toBe(want.skid);
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(x.publicKey.asymmetricKeyType).toBe(key.type);
    if (key.type === "ec") {
      expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe(key.curve);
      expect(text).toContain("NIST CURVE: P-256");
    } else {
      expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(key.bits);
      expect(text).toContain("Public-Key: (2048 bit)");
    }
  });

  it.each(NAMES)("%s: validity from an hour before now", (name) => {
    const x = new X509Certificate(leaves.get(name)!.cert);
    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    expect(from).toBe(now.getTime() - 3_600_000);
    expect((to - from) / 3_600_000).toBe(EXPECTED[name].hours);
  });

  it.each(NAMES)("%s: what the server sends, and who signed it", (name) => {
    const leaf = leaves.get(name)!;
    const sent = certsOf(leaf.fullchain);
    expect(countCerts(leaf.fullchain)).toBe(EXPECTED[name].sent);
    expect(sent[0]!.raw.equals(new X509Certificate(leaf.cert).raw)).toBe(true);
    const root = new X509Certificate(ca.trustBundle);
    // Every one of them is issued by an intermediate, never by the root the servers trust.
    const x = sent[0]!;
    expect(x.checkIssued(root)).toBe(false);
    expect(x.issuer).toMatch(/intermediate CA/);
    if (sent.length === 2) {
      const inter = sent[1]!;
      expect(inter.ca).toBe(true);
      expect(x.checkIssued(inter)).toBe(true);
      expect(inter.checkIssued(root)).toBe(true);
      expect(inter.verify(root.publicKey)).toBe(true);
    }
  });

  it("one intermediate signs every profile that goes through one", () => {
    const issuers = new Set(NAMES.map((n) => new X509Certificate(leaves.get(n)!.cert).issuer));
    expect(issuers.size).toBe(1);
  });
});

describe("judged by openssl verify (trusting the root only)", () => {
  let ca: TestCa;
  const leaves = new Map<LeName, HostCertificate>();
  beforeAll(async () => {
    ca = await createCa();
    for (const name of NAMES) leaves.set(name, await ca.issue(EXPECTED[name].domain, name));
  });
  const verify = (name: LeName, purpose: "sslserver" | "sslclient", extra: string[] = []) => opensslVerify(ca.trustBundle, leaves.get(name)!, purpose, extra);

  it.each(["le-tlsserver", "le-shortlived"] as const)("%s: a server certificate, not a client one", (name) => {
    expect(verify(name, "sslserver", ["-verify_hostname", HOST])).toMatchObject({ ok: true });
    const client = verify(name, "sslclient");
    expect(client.ok).toBe(false);
    expect(client.output).toMatch(PURPOSE);
  });

  it("missing-intermediate: the leaf alone does not reach the root; with the intermediate it would", () => {
    const v = verify("missing-intermediate", "sslserver");
    expect(v.ok).toBe(false);
    expect(v.output).toMatch(NO_ISSUER);
    // The same leaf with le-tlsserver's intermediate: the certificate is sound, only what is sent is not.
    const inter = certsOf(leaves.get("le-tlsserver")!.fullchain)[1]!.toString();
    const leaf = leaves.get("missing-intermediate")!;
    expect(opensslVerify(ca.trustBundle, { cert: leaf.cert, fullchain: `${leaf.cert.trim()}\n${inter}` }, "sslserver").ok).toBe(true);
  });

  it("wildcard covers its host; wildcard-mismatch does not cover the bare domain, only names below it", () => {
    expect(verify("wildcard", "sslserver", ["-verify_hostname", "a.c1.example"]).ok).toBe(true);
    expect(verify("wildcard", "sslclient").ok).toBe(true);
    const bare = verify("wildcard-mismatch", "sslserver", ["-verify_hostname", HOST]);
    expect(bare.ok).toBe(false);
    expect(bare.output).toMatch(/hostname mismatch/);
    expect(verify("wildcard-mismatch", "sslserver", ["-verify_hostname", `x.${HOST}`]).ok).toBe(true);
  });

  it("rsa-classic: both purposes, for its name", () => {
    expect(verify("rsa-classic", "sslserver", ["-verify_hostname", HOST]).ok).toBe(true);
    expect(verify("rsa-classic", "sslclient").ok).toBe(true);
  });
});

it("a CA with its own intermediate signs these profiles with it", async () => {
  const ca = await createCa({ intermediate: true, keyType: "ec" });
  const leaf = await ca.issue(HOST, "le-tlsserver");
  const sent = certsOf(leaf.fullchain);
  expect(sent).toHaveLength(2);
  expect(sent[1]!.raw.equals(new X509Certificate(ca.chain[0]!).raw)).toBe(true);
});

it("wildcard refuses a domain with no parent below the TLD (*.example would cover nothing)", async () => {
  const ca = await createCa({ keyType: "ec" });
  await expect(ca.issue("a.example", "wildcard")).rejects.toThrow(/no parent below \.example; use a subdomain such as xmpp\.a\.example/);
});
