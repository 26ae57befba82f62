// The private test CA: a root (optionally plus one intermediate) whose nameConstraints
// permit only the test TLD, so even a leaked CA key can sign nothing real.
import { webcrypto } from "node:crypto";
import "./reflect-polyfill.ts";
import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from "@peculiar/asn1-x509";
import { UsageError } from "../core/errors.ts";
import type { HostCertificate } from "../core/types.ts";
import type { ProfileName } from "../core/types.ts";
import { isDnsName, DOMAIN_RULE } from "./domain.ts";
import { KEY_TYPES, generateKeyMaterial, randomSerial, signingAlgorithm, type KeyMaterial, type KeyType } from "./keys.ts";
import { issueLeaf, type IssueOptions, type Signer } from "./leaf.ts";

export type { Signer };

export interface CreateCaOptions {
  /** The only DNS subtree the CA may sign for. Default "example" (RFC 2606, never delegated). */
  tld?: string;
  /** Add an intermediate (pathlen 0) that signs the leaves, so chains of depth 2 get tested. */
  intermediate?: boolean;
  /** Key algorithm for the CA and, by default, its leaves. Default "rsa" (2048). */
  keyType?: KeyType;
  /** Fixed clock, for tests. */
  now?: Date;
  /** Word in the CA's common name, e.g. "UNTRUSTED"; distinguishes CAs in logs. */
  label?: string;
}

/** A CA certificate with its key. */
export interface CaCert {
  cert: x509.X509Certificate;
  pem: string;
  key: KeyMaterial;
}

const DAY = 86_400_000;

/** A live test CA. Keep it in memory for a run; only `trustBundle` should reach servers. */
export class TestCa {
  #untrusted?: Promise<TestCa>;
  #lateIntermediate?: Promise<CaCert>;

  constructor(
    readonly tld: string,
    readonly keyType: KeyType,
    /** @internal */ readonly root: CaCert,
    /** @internal */ readonly intermediate?: CaCert,
  ) {}

  /** Root certificate PEM. */
  get cert(): string {
    return this.root.pem;
  }

  /** Root private key, PKCS#8 PEM. Never write it next to server files. */
  get key(): string {
    return this.root.key.pem;
  }

  /** CA certificates from the issuing CA up to the root (PEMs). */
  get chain(): string[] {
    return this.intermediate ? [this.intermediate.pem, this.root.pem] : [this.root.pem];
  }

  /** What servers trust (`ca.crt`): the root only. */
  get trustBundle(): string {
    return this.root.pem;
  }

  /** The CA that signs leaves: the intermediate if there is one. */
  signer(): Signer {
    const ca = this.intermediate ?? this.root;
    return {
      name: ca.cert.subjectName,
      key: ca.key,
      keyId: ca.key.keyId,
      chain: this.intermediate ? [this.intermediate.pem] : [],
    };
  }

  /**
   * The signer of profiles issued through an intermediate (Let's Encrypt's shape): the
   * CA's own intermediate, or one made under the root on first use when it has none.
   */
  async intermediateSigner(): Promise<Signer> {
    if (this.intermediate) return this.signer();
    if (!this.#lateIntermediate) {
      const making = createIntermediate(this.root, this.tld, this.keyType, `test intermediate CA ${randomTag()}`);
      // A failed generation must not poison the CA for the rest of the run.
      making.catch(() => {
        if (this.#lateIntermediate === making) this.#lateIntermediate = undefined;
      });
      this.#lateIntermediate = making;
    }
    const inter = await this.#lateIntermediate;
    return { name: inter.cert.subjectName, key: inter.key, keyId: inter.key.keyId, chain: [inter.pem] };
  }

  /** A second CA of the same shape that nobody trusts; created on first use. */
  untrusted(): Promise<TestCa> {
    this.#untrusted ??= createCa({
      tld: this.tld,
      intermediate: !!this.intermediate,
      keyType: this.keyType,
      label: "UNTRUSTED",
    });
    return this.#untrusted;
  }

  /** Mints a leaf for `domain` with the named profile. */
  issue(domain: string, profile: ProfileName | string, opts?: IssueOptions): Promise<HostCertificate> {
    return issueLeaf(this, domain, profile, opts);
  }
}

export async function createCa(opts: CreateCaOptions = {}): Promise<TestCa> {
  const tld = opts.tld ?? "example";
  const keyType = opts.keyType ?? "rsa";
  if (!isDnsName(tld)) throw new UsageError(`invalid CA TLD ${JSON.stringify(tld)}: expected ${DOMAIN_RULE}`);
  if (!KEY_TYPES.includes(keyType)) {
    throw new UsageError(`unknown key type ${JSON.stringify(keyType)}; allowed: ${KEY_TYPES.join(", ")}`);
  }
  const now = opts.now ?? new Date();
  // A random tag keeps subjects of different runs (and the untrusted CA) apart.
  const tag = randomTag();
  const label = opts.label ? `${opts.label} ` : "";
  // Starts 90 days back so that `expired` leaves still lie within their issuer's validity.
  const validity = { notBefore: new Date(now.getTime() - 90 * DAY), notAfter: new Date(now.getTime() + 365 * DAY) };

  // Both CA keys at once: RSA generation dominates the cost and runs in the thread pool.
  const [rootKey, interKey] = await Promise.all([
    generateKeyMaterial(keyType),
    opts.intermediate ? generateKeyMaterial(keyType) : undefined,
  ]);
  const rootName = `CN=s2s-matrix ${label}test root CA ${tag}, O=s2s-matrix`;
  const rootCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: rootName,
    issuer: rootName,
    ...validity,
    publicKey: rootKey.publicKey,
    signingKey: rootKey.keys.privateKey,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: caExtensions(rootKey, tld, undefined),
  });
  const root: CaCert = { cert: rootCert, pem: rootCert.toString("pem"), key: rootKey };
  if (!interKey) return new TestCa(tld, keyType, root);

  return new TestCa(tld, keyType, root, await createIntermediate(root, tld, keyType, `${label}test intermediate CA ${tag}`, interKey));
}

/** An intermediate (pathlen 0) under `root`, valid as long as the root. */
async function createIntermediate(root: CaCert, tld: string, keyType: KeyType, what: string, key?: KeyMaterial): Promise<CaCert> {
  const interKey = key ?? (await generateKeyMaterial(keyType));
  const interCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=s2s-matrix ${what}, O=s2s-matrix`,
    issuer: root.cert.subjectName,
    notBefore: root.cert.notBefore,
    notAfter: root.cert.notAfter,
    publicKey: interKey.publicKey,
    signingKey: root.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: caExtensions(interKey, tld, { pathLength: 0, issuerKeyId: root.key.keyId }),
  });
  return { cert: interCert, pem: interCert.toString("pem"), key: interKey };
}

function randomTag(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(4))).toString("hex");
}

function caExtensions(
  key: KeyMaterial,
  tld: string,
  sub: { pathLength: number; issuerKeyId: string } | undefined,
): x509.Extension[] {
  const exts: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, sub?.pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.SubjectKeyIdentifierExtension(key.keyId),
    // On the intermediate too: it keeps the limit even if someone trusts the intermediate directly.
    nameConstraintsExtension(tld),
  ];
  if (sub) exts.push(new x509.AuthorityKeyIdentifierExtension(sub.issuerKeyId));
  return exts;
}

/**
 * Critical nameConstraints permitting only dNSName `tld`. RFC 5280 §4.2.1.10: a DNS
 * constraint "example" matches "example" and every name with labels added on the left.
 */
export function nameConstraintsExtension(tld: string): x509.Extension {
  const nc = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: tld }) })]),
  });
  return new x509.Extension("2.5.29.30", true, AsnConvert.serialize(nc));
}
