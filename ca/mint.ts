// A leaf certificate's DER from its parts, with @peculiar/asn1-x509's schema classes.
// @peculiar/x509's X509CertificateGenerator builds the same bytes (mint.unit.test.ts
// compares them), but parses back every extension, the key, both names and finally the
// whole certificate it has just encoded: 4–6 ms of CPU a leaf, and a run mints one per
// virtual host (512 for the Let's Encrypt matrix, 3 360 for certificate-profiles).
import { KeyObject, sign } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import type * as x509 from "@peculiar/x509";
import type { KeyMaterial, KeyType } from "./keys.ts";
import type { EkuPurpose } from "./profiles.ts";

const EKU_OIDS: Record<EkuPurpose, string> = { serverAuth: asn.id_kp_serverAuth, clientAuth: asn.id_kp_clientAuth };

/** sha256WithRSAEncryption (NULL parameters) and ecdsa-with-SHA256 (none), as X509CertificateGenerator writes them. */
const SIGNATURE_ALGORITHMS: Record<KeyType, () => asn.AlgorithmIdentifier> = {
  rsa: () => new asn.AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null }),
  ec: () => new asn.AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }),
};

export interface LeafParts {
  /** Hex, its top bit clear (keys.ts randomSerial): used as the INTEGER's bytes. */
  serialHex: string;
  /** CN=<the first name>, or null for an empty subject. */
  subject: x509.Name | null;
  issuer: x509.Name;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyMaterial;
  signer: KeyMaterial;
  /** The issuer's subjectKeyIdentifier (hex), copied into the authorityKeyIdentifier. */
  issuerKeyId: string;
  dnsNames: string[];
  /** The SAN is critical when the subject is empty (RFC 5280 4.2.1.6). */
  sanCritical: boolean;
  keyEncipherment: boolean;
  subjectKeyId: boolean;
  eku: readonly EkuPurpose[] | null;
}

const extension = (extnID: string, critical: boolean, value: object) =>
  new asn.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

/** `make(k)`, made once per `k` and kept while `k` is. */
function once<K extends object, V>(make: (k: K) => V): (k: K) => V {
  const made = new WeakMap<K, V>();
  return (k) => {
    let v = made.get(k);
    if (v === undefined) made.set(k, (v = make(k)));
    return v;
  };
}

// Every leaf of a run shares a handful of keys and issuers: each is parsed once.
const spkiOf = once((k: KeyMaterial) => AsnConvert.parse(k.publicKey.rawData, asn.SubjectPublicKeyInfo));
const signingKeyOf = once((k: KeyMaterial) => KeyObject.from(k.keys.privateKey));
const nameOf = (n: x509.Name): asn.Name => AsnConvert.parse(n.toArrayBuffer(), asn.Name);
const issuerOf = once(nameOf);

/** The leaf's DER. Extensions in the order leaf.ts always wrote them. */
export function mintLeaf(p: LeafParts): ArrayBuffer {
  const usage = asn.KeyUsageFlags.digitalSignature | (p.keyEncipherment ? asn.KeyUsageFlags.keyEncipherment : 0);
  const extensions = [
    extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: false })),
    extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(usage)),
    extension(asn.id_ce_subjectAltName, p.sanCritical, new asn.SubjectAlternativeName(p.dnsNames.map((dNSName) => new asn.GeneralName({ dNSName })))),
    ...(p.subjectKeyId ? [extension(asn.id_ce_subjectKeyIdentifier, false, new asn.SubjectKeyIdentifier(Buffer.from(p.publicKey.keyId, "hex")))] : []),
    extension(asn.id_ce_authorityKeyIdentifier, false, new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(Buffer.from(p.issuerKeyId, "hex")) })),
    ...(p.eku ? [extension(asn.id_ce_extKeyUsage, false, new asn.ExtendedKeyUsage(p.eku.map((e) => EKU_OIDS[e])))] : []),
  ];
  const algorithm = SIGNATURE_ALGORITHMS[p.signer.type];
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: new Uint8Array(Buffer.from(p.serialHex, "hex")).buffer,
    signature: algorithm(),
    issuer: issuerOf(p.issuer),
    validity: new asn.Validity({ notBefore: p.notBefore, notAfter: p.notAfter }),
    subject: p.subject ? nameOf(p.subject) : new asn.Name(),
    subjectPublicKeyInfo: spkiOf(p.publicKey),
    extensions: new asn.Extensions(extensions),
  });
  const tbs = Buffer.from(AsnConvert.serialize(tbsCertificate));
  // ECDSA as DER (X.509's form); RSA PKCS#1 v1.5 as the CA's key says.
  const signature = sign("sha256", tbs, { key: signingKeyOf(p.signer), dsaEncoding: "der" });
  const cert = new asn.Certificate({ tbsCertificate, signatureAlgorithm: algorithm(), signatureValue: new Uint8Array(signature).buffer });
  return AsnConvert.serialize(cert);
}
