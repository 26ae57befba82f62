// mintLeaf writes the bytes @peculiar/x509's X509CertificateGenerator writes for the
// same leaf (the way leaf.ts built every leaf until 2026-12-08), for every profile's
// shape, under an RSA and an EC issuer: the whole certificate under RSA (PKCS#1 v1.5
// signatures are deterministic), the signed part and a valid signature under EC.
import { createPublicKey, X509Certificate as NodeX509 } from "node:crypto";
import { describe, expect, it } from "vitest";
import "./reflect-polyfill.ts";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { generateKeyMaterial, signingAlgorithm, type KeyType } from "./keys.ts";
import { mintLeaf, type LeafParts } from "./mint.ts";
import { PROFILES } from "./profiles.ts";

const EKU_OID = { serverAuth: x509.ExtendedKeyUsage.serverAuth, clientAuth: x509.ExtendedKeyUsage.clientAuth };

/** leaf.ts's construction before mint.ts, through the library's generator. */
async function reference(p: LeafParts): Promise<ArrayBuffer> {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (p.keyEncipherment ? x509.KeyUsageFlags.keyEncipherment : 0), true),
    new x509.SubjectAlternativeNameExtension(
      p.dnsNames.map((value) => ({ type: "dns" as const, value })),
      p.sanCritical,
    ),
  ];
  if (p.subjectKeyId) extensions.push(new x509.SubjectKeyIdentifierExtension(p.publicKey.keyId));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(p.issuerKeyId));
  if (p.eku) extensions.push(new x509.ExtendedKeyUsageExtension(p.eku.map((e) => EKU_OID[e])));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: p.serialHex,
    subject: p.subject ?? "",
    issuer: p.issuer,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.publicKey.publicKey,
    signingKey: p.signer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(p.signer.type),
    extensions,
  });
  return cert.rawData;
}

const tbsOf = (der: ArrayBuffer) => Buffer.from(AsnConvert.serialize(AsnConvert.parse(der, asn.Certificate).tbsCertificate));

describe("mintLeaf", () => {
  for (const issuerType of ["rsa", "ec"] as KeyType[]) {
    it(`writes the generator's bytes for every profile's shape, ${issuerType.toUpperCase()} issuer`, async () => {
      const signer = await generateKeyMaterial(issuerType);
      const leafKeys = { rsa: await generateKeyMaterial("rsa"), ec: await generateKeyMaterial("ec") };
      const issuer = new x509.Name("CN=s2s-matrix test root CA 0123abcd, O=s2s-matrix");
      for (const profile of Object.values(PROFILES)) {
        for (const leafType of ["rsa", "ec"] as KeyType[]) {
          const parts: LeafParts = {
            serialHex: "4305eee63bb52d42e351c56640e339c4",
            subject: profile.subject === "cn" ? new x509.Name("CN=c6-a.example") : null,
            issuer,
            notBefore: new Date("2026-12-08T01:55:18Z"),
            notAfter: new Date(profile.validity.notAfterMs < 0 ? "2026-12-07T00:00:00Z" : "2027-03-08T02:55:18Z"),
            publicKey: leafKeys[leafType],
            signer,
            issuerKeyId: signer.keyId,
            dnsNames: profile.names === "wildcard" ? ["*.example.example"] : ["c6-a.example", "conference.c6-a.example"],
            sanCritical: profile.subject === "empty",
            keyEncipherment: leafType === "rsa" && profile.keyEncipherment,
            subjectKeyId: profile.subjectKeyId,
            eku: profile.eku,
          };
          const mine = mintLeaf(parts);
          const theirs = await reference(parts);
          const what = `${profile.name}, ${leafType} leaf`;
          if (issuerType === "rsa") expect(Buffer.from(mine).equals(Buffer.from(theirs)), what).toBe(true);
          else expect(tbsOf(mine).equals(tbsOf(theirs)), what).toBe(true);
          // Node parses it, and the issuer's key verifies its signature.
          const issuerKey = createPublicKey({ key: Buffer.from(signer.publicKey.rawData), format: "der", type: "spki" });
          expect(new NodeX509(Buffer.from(mine)).verify(issuerKey), what).toBe(true);
        }
      }
    });
  }
});
