// Each profile, read back by Node and by openssl, and judged by `openssl verify`.
// The expectations here are written out independently of PROFILES on purpose.
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProfileName } from "../core/types.ts";
import { createCa, PROFILE_NAMES, PROFILES, type TestCa } from "./index.ts";
import { extensionText, OID, opensslText, opensslVerify } from "./test-helpers.ts";

const DOMAIN = "a.example";
const OK = "OK";
// Error 26: OpenSSL 1.1 says "unsupported", 3.x "unsuitable" certificate purpose.
const PURPOSE = /error 26 .*(unsupported|unsuitable) certificate purpose/;
const EXPIRED = /error 10 .*certificate has expired/;
const NO_ISSUER = /error 20 .*unable to get local issuer certificate/;
const SELF = /error 18 .*self.signed certificate/;

interface Expected {
  eku: string[] | undefined;
  ekuText: string | undefined;
  san: string;
  issuer: "ca" | "untrusted" | "self";
  sslserver: typeof OK | RegExp;
  sslclient: typeof OK | RegExp;
}

const DUAL_TEXT = "TLS Web Server Authentication, TLS Web Client Authentication";
// The real-world profiles are checked in le-profiles.unit.test.ts.
const REAL_WORLD = ["le-tlsserver", "le-shortlived", "missing-intermediate", "wildcard", "wildcard-mismatch", "rsa-classic"] as const;
type Classic = Exclude<ProfileName, (typeof REAL_WORLD)[number]>;
const EXPECTED: Record<Classic, Expected> = {
  "server-only": { eku: [OID.serverAuth], ekuText: "TLS Web Server Authentication", san: `DNS:${DOMAIN}`, issuer: "ca", sslserver: OK, sslclient: PURPOSE },
  "dual-eku": { eku: [OID.serverAuth, OID.clientAuth], ekuText: DUAL_TEXT, san: `DNS:${DOMAIN}`, issuer: "ca", sslserver: OK, sslclient: OK },
  "no-eku": { eku: undefined, ekuText: undefined, san: `DNS:${DOMAIN}`, issuer: "ca", sslserver: OK, sslclient: OK },
  "client-only": { eku: [OID.clientAuth], ekuText: "TLS Web Client Authentication", san: `DNS:${DOMAIN}`, issuer: "ca", sslserver: PURPOSE, sslclient: OK },
  expired: { eku: [OID.serverAuth, OID.clientAuth], ekuText: DUAL_TEXT, san: `DNS:${DOMAIN}`, issuer: "ca", sslserver: EXPIRED, sslclient: EXPIRED },
  "wrong-name": { eku: [OID.serverAuth, OID.clientAuth], ekuText: DUAL_TEXT, san: `DNS:wrong-${DOMAIN}`, issuer: "ca", sslserver: OK, sslclient: OK },
  untrusted: { eku: [OID.serverAuth, OID.clientAuth], ekuText: DUAL_TEXT, san: `DNS:${DOMAIN}`, issuer: "untrusted", sslserver: NO_ISSUER, sslclient: NO_ISSUER },
  "self-signed": { eku: [OID.serverAuth, OID.clientAuth], ekuText: DUAL_TEXT, san: `DNS:${DOMAIN}`, issuer: "self", sslserver: SELF, sslclient: SELF },
};

it("PROFILES covers exactly the ProfileName union, each documented", () => {
  expect([...PROFILE_NAMES].sort()).toEqual([...Object.keys(EXPECTED), ...REAL_WORLD].sort());
  for (const name of PROFILE_NAMES) {
    expect(PROFILES[name].name).toBe(name);
    expect(PROFILES[name].description.length).toBeGreaterThan(20);
  }
});

describe.each([false, true])("intermediate=%s", (intermediate) => {
  let ca: TestCa;
  let issuing: X509Certificate;
  let untrustedIssuing: X509Certificate;
  beforeAll(async () => {
    ca = await createCa({ intermediate });
    // Warm the lazy untrusted CA and the leaf key pool together (RSA keygen is the slow part).
    const [untrusted] = await Promise.all([ca.untrusted(), ca.issue(DOMAIN, "dual-eku")]);
    issuing = new X509Certificate(ca.chain[0]!);
    untrustedIssuing = new X509Certificate(untrusted.chain[0]!);
  });

  it.each(Object.keys(EXPECTED) as Classic[])("%s", async (name) => {
    const want = EXPECTED[name];
    const leaf = await ca.issue(DOMAIN, name);
    const x = new X509Certificate(leaf.cert);
    const text = opensslText(leaf.cert);

    // Names: SAN and CN agree (wrong-name is wrong in both).
    expect(x.subjectAltName).toBe(want.san);
    expect(x.subject).toBe(`CN=${want.san.slice(4)}`);
    expect(extensionText(text, "X509v3 Subject Alternative Name")).toBe(want.san);

    // EKU, read by Node and by openssl.
    expect(x.keyUsage).toEqual(want.eku);
    expect(extensionText(text, "X509v3 Extended Key Usage")).toBe(want.ekuText);
    expect(extensionText(text, "X509v3 Key Usage")).toBe("critical Digital Signature, Key Encipherment");
    expect(extensionText(text, "X509v3 Basic Constraints")).toBe("critical CA:FALSE");
    expect(x.ca).toBe(false);
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");

    // Issuer: checkIssued also compares the authorityKeyIdentifier with the issuer's SKI
    // (and wants keyCertSign, which a self-signed leaf rightly lacks).
    const issuer = want.issuer === "ca" ? issuing : want.issuer === "untrusted" ? untrustedIssuing : x;
    expect(x.issuer).toBe(issuer.subject);
    if (want.issuer !== "self") expect(x.checkIssued(issuer)).toBe(true);
    expect(x.verify(issuer.publicKey)).toBe(true);
    if (want.issuer === "untrusted") expect(x.issuer).toContain("UNTRUSTED");
    if (want.issuer !== "ca") expect(x.checkIssued(issuing)).toBe(false);

    // fullchain: leaf, then the intermediate of whoever signed it.
    const expectedChain = want.issuer === "self" || !intermediate ? 1 : 2;
    expect(leaf.fullchain.match(/BEGIN CERTIFICATE/g)).toHaveLength(expectedChain);
    expect(leaf.fullchain.startsWith(leaf.cert)).toBe(true);
    expect(leaf.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // Validity relative to now: expired is entirely in the past, the rest span now.
    const now = Date.now();
    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    if (name === "expired") expect(to).toBeLessThan(now);
    else expect(from < now && now < to).toBe(true);

    // The verdicts that make the matrix: what a strict OpenSSL peer says.
    for (const purpose of ["sslserver", "sslclient"] as const) {
      const verdict = opensslVerify(ca.trustBundle, leaf, purpose);
      const expected = want[purpose];
      if (expected === OK) expect(verdict, verdict.output).toMatchObject({ ok: true });
      else {
        expect(verdict.ok, verdict.output).toBe(false);
        expect(verdict.output).toMatch(expected);
      }
    }
  });

  it("wrong-name verifies as a chain but not for the server's hostname", async () => {
    const good = await ca.issue(DOMAIN, "dual-eku");
    const wrong = await ca.issue(DOMAIN, "wrong-name");
    expect(opensslVerify(ca.trustBundle, good, "sslserver", ["-verify_hostname", DOMAIN]).ok).toBe(true);
    const v = opensslVerify(ca.trustBundle, wrong, "sslserver", ["-verify_hostname", DOMAIN]);
    expect(v.ok).toBe(false);
    expect(v.output).toMatch(/hostname mismatch/);
    expect(new X509Certificate(wrong.cert).checkHost(DOMAIN)).toBeUndefined();
  });
});

describe("validity with a fixed clock", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createCa({ now, keyType: "ec" }); // EC: key type is irrelevant here and keygen is instant
  });
  it.each([
    ["dual-eku", "Mar  1 11:00:00 2026 GMT", "May 30 12:00:00 2026 GMT"],
    ["server-only", "Mar  1 11:00:00 2026 GMT", "May 30 12:00:00 2026 GMT"],
    ["expired", "Dec 31 12:00:00 2025 GMT", "Jan 30 12:00:00 2026 GMT"],
    ["self-signed", "Mar  1 11:00:00 2026 GMT", "May 30 12:00:00 2026 GMT"],
  ] as const)("%s: %s → %s", async (name, notBefore, notAfter) => {
    const leaf = await ca.issue(DOMAIN, name, { now });
    const x = new X509Certificate(leaf.cert);
    expect([x.validFrom, x.validTo]).toEqual([notBefore, notAfter]);
    const text = opensslText(leaf.cert);
    expect(text).toContain(`Not Before: ${notBefore}`);
    expect(text).toContain(`Not After : ${notAfter}`);
  });
});
