// PKCS#12 key and trust stores for Java servers (Openfire), from the PEM material ca/ mints.
import { createHash, createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";

/** Java's default store password (`changeit`), which Openfire uses for its keystore and truststore (xmpp.socket.ssl.keypass/trustpass). */
export const STORE_PASSWORD = "changeit";

//
// Java reads PKCS#12 for both (and its JKS loader accepts PKCS#12 files too, keystore.type.compat).
// forge.pkcs12.toPkcs12Asn1 cannot be used as is: it accepts only RSA keys and parses every
// certificate as RSA, while ca/ mints EC leaves too. So the PFX is assembled here from forge's
// ASN.1, PBES2 and PKCS#12-KDF primitives; certificates go in as raw DER, keys as PKCS#8.

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const OID = {
  data: "1.2.840.113549.1.7.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  sha1: "1.3.14.3.2.26",
  /** Oracle's bag attribute that makes Java list a certificate bag as a trustedCertEntry. */
  oracleTrustedKeyUsage: "2.16.840.1.113894.746875.1.1",
  anyExtendedKeyUsage: "2.5.29.37.0",
};
const ITERATIONS = 10_000;

const U = asn1.Class.UNIVERSAL;
const oid = (id: string): Asn1 => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string): Asn1 => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes);
const seq = (items: Asn1[]): Asn1 => asn1.create(U, asn1.Type.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(U, asn1.Type.SET, true, items);
const integer = (n: number): Asn1 => asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const explicit0 = (inner: Asn1): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const der = (node: Asn1): string => asn1.toDer(node).getBytes();
/** forge works on "binary strings" (one char per byte). */
const binary = (buf: Buffer): string => buf.toString("binary");
const attribute = (id: string, value: Asn1): Asn1 => seq([oid(id), set([value])]);
const friendlyName = (alias: string): Asn1 =>
  attribute(OID.friendlyName, asn1.create(U, asn1.Type.BMPSTRING, false, alias));

const certBag = (certDer: Buffer, attributes?: Asn1[]): Asn1 =>
  seq([
    oid(OID.certBag),
    explicit0(seq([oid(OID.x509Certificate), explicit0(octets(binary(certDer)))])),
    ...(attributes ? [set(attributes)] : []),
  ]);

/** ContentInfo of type data holding one SafeContents (unencrypted, as Java and OpenSSL accept). */
const dataContentInfo = (bags: Asn1[]): Asn1 => seq([oid(OID.data), explicit0(octets(der(seq(bags))))]);

/** PFX with an HMAC-SHA1 integrity MAC keyed by the PKCS#12 KDF, as keytool and OpenSSL expect. */
function pfx(contents: Asn1[], password: string): Buffer {
  const authSafe = der(seq(contents));
  const salt = binary(randomBytes(16));
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start("sha1", macKey);
  hmac.update(authSafe);
  const macData = seq([
    seq([seq([oid(OID.sha1), asn1.create(U, asn1.Type.NULL, false, "")]), octets(hmac.digest().getBytes())]),
    octets(salt),
    integer(ITERATIONS),
  ]);
  return Buffer.from(der(seq([integer(3), seq([oid(OID.data), explicit0(octets(authSafe))]), macData])), "binary");
}

/** DER of every certificate in a PEM bundle, in order. */
export function pemCertificates(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ""), "base64"));
}

export interface KeyStoreResult {
  content: Buffer;
  alias: string;
}

/**
 * The identity keystore: one PrivateKeyEntry whose chain is `fullchain` (leaf first).
 * Alias `<domain>_<rsa|ec>` like the entries Openfire generates itself.
 */
export function buildKeystore(domain: string, tls: { key: string; fullchain: string; cert: string }, password = STORE_PASSWORD): KeyStoreResult {
  const key = createPrivateKey(tls.key);
  const chain = pemCertificates(tls.fullchain);
  if (chain.length === 0) chain.push(...pemCertificates(tls.cert));
  const leaf = chain[0];
  if (!leaf) throw new Error(`openfire: no certificate for ${domain}`);
  if (!new X509Certificate(leaf).checkPrivateKey(key)) {
    throw new Error(`openfire: the private key for ${domain} does not match the first certificate of its chain`);
  }
  const alias = `${domain}_${key.asymmetricKeyType ?? "key"}`.toLowerCase();
  const localKeyId = attribute(OID.localKeyId, octets(binary(createHash("sha1").update(leaf).digest())));

  const pkcs8 = key.export({ format: "der", type: "pkcs8" });
  const encrypted = forge.pki.encryptPrivateKeyInfo(asn1.fromDer(binary(pkcs8)), password, {
    algorithm: "aes256",
    prfAlgorithm: "sha256",
    count: ITERATIONS,
    saltSize: 16,
  });
  const keyBag = seq([oid(OID.pkcs8ShroudedKeyBag), explicit0(encrypted), set([localKeyId, friendlyName(alias)])]);
  // Leaf carries the key's localKeyId; intermediates carry nothing and only serve chain building.
  const certBags = chain.map((certDer, i) => (i === 0 ? certBag(certDer, [localKeyId, friendlyName(alias)]) : certBag(certDer)));
  return { content: pfx([dataContentInfo(certBags), dataContentInfo([keyBag])], password), alias };
}

/** The s2s truststore: every CA of the PEM bundle as a trustedCertEntry (aliases s2s-matrix-ca-N). */
export function buildTruststore(caBundle: string, password = STORE_PASSWORD): { content: Buffer; aliases: string[] } {
  const seen = new Set<string>();
  const cas = pemCertificates(caBundle).filter((certDer) => {
    const id = certDer.toString("base64");
    return seen.has(id) ? false : (seen.add(id), true);
  });
  if (cas.length === 0) throw new Error("openfire: the trusted CA bundle holds no certificate");
  const aliases = cas.map((_, i) => `s2s-matrix-ca-${i + 1}`);
  const trusted = attribute(OID.oracleTrustedKeyUsage, oid(OID.anyExtendedKeyUsage));
  const bags = cas.map((certDer, i) => certBag(certDer, [friendlyName(aliases[i]!), trusted]));
  return { content: pfx([dataContentInfo(bags)], password), aliases };
}
