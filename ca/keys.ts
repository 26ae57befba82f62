// Key material for the test CA. RSA-2048 generation costs tens of milliseconds and
// the harness mints ~200 leaves per run, so leaf keys come from a per-process pool:
// one key pair per (keyType, role), reused by every certificate of that kind.
import { webcrypto } from "node:crypto";
import "./reflect-polyfill.ts";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 needs a WebCrypto provider; Node's is complete.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyType = "rsa" | "ec";
export const KEY_TYPES: readonly KeyType[] = ["rsa", "ec"];

/** A key pair plus its PKCS#8 PEM (computed once, since leaves are written many times). */
export interface KeyMaterial {
  type: KeyType;
  keys: CryptoKeyPair;
  /** Private key, PKCS#8 PEM. */
  pem: string;
  /** Public key as DER, so issuing does not export it again (that halves the cost of a leaf). */
  publicKey: x509.PublicKey;
  /** Hex subjectKeyIdentifier (SHA-1 of the key, RFC 5280 method 1), computed once. */
  keyId: string;
}

const RSA_PARAMS: RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
const EC_PARAMS: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };

/** A fresh key pair: for CA keys, which are few and must differ between CAs. */
export async function generateKeyMaterial(type: KeyType): Promise<KeyMaterial> {
  const params = type === "rsa" ? RSA_PARAMS : EC_PARAMS;
  // Extractable: the PEM goes to disk for servers (leaves) or back to the caller (CAs).
  const keys = (await webcrypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const publicKey = new x509.PublicKey(await webcrypto.subtle.exportKey("spki", keys.publicKey));
  const { keyId } = await x509.SubjectKeyIdentifierExtension.create(publicKey);
  return { type, keys, pem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"), publicKey, keyId };
}

// Promises, not key pairs, so concurrent callers share one generation.
const pool = new Map<string, Promise<KeyMaterial>>();

/** The process-wide key pair for (type, role); generated on first use. */
export function pooledKeyMaterial(type: KeyType, role = "leaf"): Promise<KeyMaterial> {
  const id = `${type}/${role}`;
  let entry = pool.get(id);
  if (!entry) {
    entry = generateKeyMaterial(type);
    // A failed generation must not poison the pool forever.
    entry.catch(() => pool.delete(id));
    pool.set(id, entry);
  }
  return entry;
}

/** SHA-256 signature algorithm matching the signer's key. */
export function signingAlgorithm(type: KeyType): Algorithm | EcdsaParams {
  return type === "rsa"
    ? ({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm)
    : ({ name: "ECDSA", hash: "SHA-256" } as EcdsaParams);
}

/** Random positive 128-bit serial as hex; the top bits are fixed so DER needs no padding byte. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString("hex");
}
