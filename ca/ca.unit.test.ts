// The CA itself: its extensions, the intermediate, the name constraints that make a
// leaked key harmless, key types, the key pool and input validation.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import { createCa, issueLeaf, PROFILES, validateDomain, wrongName, type TestCa } from "./index.ts";
import { signLeafUnchecked } from "./leaf.ts";
import { countCerts, extensionText, opensslText, opensslVerify } from "./test-helpers.ts";

describe("root and intermediate", () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createCa({ intermediate: true });
  });

  it("root: critical CA:TRUE, keyCertSign+cRLSign, SKI, critical nameConstraints for .example only", () => {
    const text = opensslText(ca.cert);
    expect(extensionText(text, "X509v3 Basic Constraints")).toBe("critical CA:TRUE");
    expect(extensionText(text, "X509v3 Key Usage")).toBe("critical Certificate Sign, CRL Sign");
    expect(extensionText(text, "X509v3 Subject Key Identifier")).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(text).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:example\n/);
    expect(text).not.toContain("Excluded");
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(text).toContain("Public-Key: (2048 bit)");
    const x = new X509Certificate(ca.cert);
    expect(x.ca).toBe(true);
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("intermediate: CA:TRUE pathlen 0, signed by the root, chain lists it first", () => {
    expect(ca.chain).toHaveLength(2);
    expect(ca.chain[1]).toBe(ca.cert);
    const text = opensslText(ca.chain[0]!);
    expect(extensionText(text, "X509v3 Basic Constraints")).toBe("critical CA:TRUE, pathlen:0");
    expect(extensionText(text, "X509v3 Key Usage")).toBe("critical Certificate Sign, CRL Sign");
    const inter = new X509Certificate(ca.chain[0]!);
    expect(inter.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(ca.trustBundle).toBe(ca.cert);
  });

  it("a leaf verifies through the intermediate (depth 2) and not without it", async () => {
    const leaf = await ca.issue("a.example", "dual-eku");
    expect(countCerts(leaf.fullchain)).toBe(2);
    const v = opensslVerify(ca.trustBundle, leaf, "sslserver", ["-show_chain"]);
    expect(v.ok, v.output).toBe(true);
    expect(v.output).toMatch(/depth=0: CN = a\.example \(untrusted\)/);
    expect(v.output).toMatch(/depth=1: .*intermediate.*\(untrusted\)/);
    expect(v.output).toMatch(/depth=2: .*root/);
    const alone = opensslVerify(ca.trustBundle, { cert: leaf.cert, fullchain: leaf.cert }, "sslserver");
    expect(alone.ok).toBe(false);
  });

  it("the untrusted CA is created once, has the same shape, and is not in the trust bundle", async () => {
    const u = await ca.untrusted();
    expect(await ca.untrusted()).toBe(u);
    expect(u.chain).toHaveLength(2);
    expect(u.cert).not.toBe(ca.cert);
    expect(opensslText(u.cert)).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:example\n/);
    expect(ca.trustBundle).not.toContain(u.cert);
  });
});

describe("name constraints", () => {
  it.each([false, true])("a leaf for www.example.com is rejected (intermediate=%s)", async (intermediate) => {
    const ca = await createCa({ intermediate, keyType: "ec" });
    const leaf = await signLeafUnchecked(ca, ["www.example.com"], PROFILES["dual-eku"]);
    expect(new X509Certificate(leaf.cert).subjectAltName).toBe("DNS:www.example.com");
    const v = opensslVerify(ca.trustBundle, leaf, "sslserver");
    expect(v.ok).toBe(false);
    expect(v.output).toMatch(/error 47 .*permitted subtree violation/);
    // Control: the same CA's in-TLD leaf is fine, so the rejection is about the name.
    const ok = await signLeafUnchecked(ca, ["www.example"], PROFILES["dual-eku"]);
    expect(opensslVerify(ca.trustBundle, ok, "sslserver").ok).toBe(true);
  });

  it("issueLeaf refuses names outside the TLD before signing anything", async () => {
    const ca = await createCa({ keyType: "ec" });
    await expect(issueLeaf(ca, "www.example.com", "dual-eku")).rejects.toThrow(UsageError);
    await expect(ca.issue("a.example", "dual-eku", { altNames: ["evil.com"] })).rejects.toThrow(/not under the test TLD/);
  });

  it("a custom TLD constrains to that TLD", async () => {
    const ca = await createCa({ tld: "test", keyType: "ec" });
    expect(opensslText(ca.cert)).toMatch(/Permitted:\n\s+DNS:test\n/);
    const leaf = await ca.issue("x.test", "dual-eku");
    expect(opensslVerify(ca.trustBundle, leaf, "sslclient").ok).toBe(true);
    await expect(ca.issue("x.example", "dual-eku")).rejects.toThrow(UsageError);
  });
});

describe("key types and the key pool", () => {
  it("ECDSA: P-256 keys, ecdsa-with-SHA256, digitalSignature only, verifies", async () => {
    const ca = await createCa({ keyType: "ec", intermediate: true });
    const leaf = await ca.issue("a.example", "dual-eku");
    const key = createPrivateKey(leaf.key);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(createPrivateKey(ca.key).asymmetricKeyType).toBe("ec");
    const text = opensslText(leaf.cert);
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(extensionText(text, "X509v3 Key Usage")).toBe("critical Digital Signature");
    expect(opensslVerify(ca.trustBundle, leaf, "sslserver").ok).toBe(true);
    expect(opensslVerify(ca.trustBundle, leaf, "sslclient").ok).toBe(true);
  });

  it("RSA by default: 2048-bit PKCS#8 leaf key", async () => {
    const ca = await createCa({});
    const leaf = await ca.issue("a.example", "server-only");
    const key = createPrivateKey(leaf.key);
    expect(leaf.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // The leaf certificate carries the public half of that key.
    expect(new X509Certificate(leaf.cert).checkPrivateKey(key)).toBe(true);
  });

  it("leaves reuse one pooled key per (type, role), with distinct serials; CAs get fresh keys", async () => {
    const [a, b] = await Promise.all([createCa({ keyType: "ec" }), createCa({ keyType: "ec" })]);
    const l1 = await a.issue("one.example", "dual-eku");
    const l2 = await b.issue("two.example", "server-only");
    const l3 = await a.issue("three.example", "dual-eku", { keyRole: "other" });
    expect(l2.key).toBe(l1.key);
    expect(l3.key).not.toBe(l1.key);
    expect(a.key).not.toBe(b.key);
    expect(new X509Certificate(l1.cert).serialNumber).not.toBe(new X509Certificate(l2.cert).serialNumber);
    // A leaf's key type can differ from its CA's.
    const rsaLeaf = await a.issue("four.example", "dual-eku", { keyType: "rsa" });
    expect(createPrivateKey(rsaLeaf.key).asymmetricKeyType).toBe("rsa");
    expect(opensslVerify(a.trustBundle, rsaLeaf, "sslserver").ok).toBe(true);
  });
});

describe("input validation", () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createCa({ keyType: "ec" });
  });

  it.each([
    "a.example",
    "a-b.c1.example",
    `${"a".repeat(63)}.example`,
    "xn--bcher-kva.example",
  ])("accepts %s", (d) => {
    expect(() => validateDomain(d, "example")).not.toThrow();
  });

  it.each([
    ["", /invalid domain/],
    ["A.example", /invalid domain.*lowercase/],
    ["-a.example", /invalid domain/],
    ["a-.example", /invalid domain/],
    ["a..example", /invalid domain/],
    ["a_b.example", /invalid domain/],
    ["a.example.", /invalid domain/],
    [`${"a".repeat(64)}.example`, /1-63 characters/],
    ["example", /not under the test TLD \.example/],
    ["a.example.com", /not under the test TLD/],
    ["../a.example", /invalid domain/],
  ])("rejects %j", async (d, message) => {
    expect(() => validateDomain(d, "example")).toThrow(UsageError);
    expect(() => validateDomain(d, "example")).toThrow(message);
    await expect(ca.issue(d, "dual-eku")).rejects.toThrow(UsageError);
  });

  it("unknown profile → UsageError listing the profiles", async () => {
    const err = await ca.issue("a.example", "server").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/unknown certificate profile "server"; allowed: server-only, dual-eku, no-eku/);
  });

  it("unknown key type → UsageError", async () => {
    await expect(createCa({ keyType: "dsa" as never })).rejects.toThrow(/unknown key type "dsa"; allowed: rsa, ec/);
    await expect(ca.issue("a.example", "dual-eku", { keyType: "dsa" as never })).rejects.toThrow(UsageError);
  });

  it("wrongName stays a valid sibling under the same parent", () => {
    expect(wrongName("a.example")).toBe("wrong-a.example");
    expect(wrongName("xmpp.b.example")).toBe("wrong-xmpp.b.example");
    const long = wrongName(`${"a".repeat(63)}.example`);
    expect(() => validateDomain(long, "example")).not.toThrow();
  });
});
