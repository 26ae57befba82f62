// Files on disk and the `cert` command: modes, what ca.crt contains, usage errors.
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import { certCommand, createCa, PROFILE_NAMES, writeLeafFiles } from "./index.ts";
import { countCerts, opensslVerify } from "./test-helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "ca-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;
const read = (path: string) => readFileSync(path, "utf8");

describe("writeLeafFiles", () => {
  it("writes crt, key (0600), fullchain and ca.crt into a new 0700 directory", async () => {
    const ca = await createCa({ intermediate: true, keyType: "ec" });
    const leaf = await ca.issue("a.example", "dual-eku");
    const dir = join(tmp, "new", "certs");
    const files = await writeLeafFiles(dir, "a.example", leaf, ca.trustBundle);
    expect(readdirSync(dir).sort()).toEqual(["a.example.crt", "a.example.fullchain.pem", "a.example.key", "ca.crt"]);
    expect(mode(dir)).toBe(0o700);
    expect(mode(files.key)).toBe(0o600);
    expect(read(files.key).trim()).toBe(leaf.key.trim());
    expect(new X509Certificate(read(files.cert)).subjectAltName).toBe("DNS:a.example");
    expect(countCerts(read(files.fullchain))).toBe(2);
    expect(read(files.ca).trim()).toBe(ca.cert.trim());
  });

  it("tightens an existing, too-open key file", async () => {
    const ca = await createCa({ keyType: "ec" });
    const leaf = await ca.issue("b.example", "dual-eku");
    const dir = join(tmp, "existing");
    await writeLeafFiles(dir, "b.example", leaf, ca.trustBundle);
    const key = join(dir, "b.example.key");
    writeFileSync(key, "old");
    chmodSync(key, 0o644);
    await writeLeafFiles(dir, "b.example", leaf, ca.trustBundle);
    expect(mode(key)).toBe(0o600);
    expect(read(key)).toContain("BEGIN PRIVATE KEY");
  });

  it("refuses a domain that is not a DNS name (it becomes a file name)", async () => {
    const leaf = { cert: "", key: "", fullchain: "" };
    await expect(writeLeafFiles(tmp, "../x.example", leaf, "")).rejects.toThrow(UsageError);
  });
});

describe("certCommand", () => {
  it("--list-profiles prints every profile with its description", async () => {
    const lines: string[] = [];
    await certCommand({ listProfiles: true }, (s) => lines.push(s));
    expect(lines).toHaveLength(PROFILE_NAMES.length);
    for (const name of PROFILE_NAMES) expect(lines.some((l) => l.startsWith(`${name} `))).toBe(true);
    expect(lines.find((l) => l.startsWith("server-only"))).toMatch(/serverAuth only/);
  });

  it("writes a verifiable leaf and only ca.crt, never a CA key", async () => {
    const out = join(tmp, "cli-dual");
    const lines: string[] = [];
    await certCommand({ profile: "dual-eku", domain: "xmpp.example", out, intermediate: true, keyType: "ec" }, (s) => lines.push(s));
    expect(readdirSync(out).sort()).toEqual(["ca.crt", "xmpp.example.crt", "xmpp.example.fullchain.pem", "xmpp.example.key"]);
    expect(lines.filter((l) => l.startsWith("wrote "))).toHaveLength(4);
    const ca = read(join(out, "ca.crt"));
    expect(countCerts(ca)).toBe(1);
    expect(new X509Certificate(ca).ca).toBe(true);
    for (const f of readdirSync(out)) {
      if (f !== "xmpp.example.key") expect(read(join(out, f))).not.toContain("PRIVATE KEY");
    }
    const leaf = { cert: read(join(out, "xmpp.example.crt")), fullchain: read(join(out, "xmpp.example.fullchain.pem")) };
    expect(countCerts(leaf.fullchain)).toBe(2);
    expect(opensslVerify(ca, leaf, "sslserver").ok).toBe(true);
    expect(opensslVerify(ca, leaf, "sslclient").ok).toBe(true);
    expect(mode(join(out, "xmpp.example.key"))).toBe(0o600);
  });

  it("untrusted: ca.crt is the real root, which does not verify the leaf", async () => {
    const out = join(tmp, "cli-untrusted");
    await certCommand({ profile: "untrusted", domain: "u.example", out, keyType: "ec" }, () => {});
    const ca = read(join(out, "ca.crt"));
    const leaf = { cert: read(join(out, "u.example.crt")), fullchain: read(join(out, "u.example.fullchain.pem")) };
    expect(new X509Certificate(leaf.cert).issuer).toContain("UNTRUSTED");
    expect(new X509Certificate(ca).subject).not.toContain("UNTRUSTED");
    expect(opensslVerify(ca, leaf, "sslserver").output).toMatch(/unable to get local issuer certificate/);
  });

  it("le-tlsserver: an EC leaf with no subject, sent with its intermediate; a server certificate only", async () => {
    const out = join(tmp, "cli-le");
    await certCommand({ profile: "le-tlsserver", domain: "xmpp.example", out }, () => {});
    const ca = read(join(out, "ca.crt"));
    const leaf = { cert: read(join(out, "xmpp.example.crt")), fullchain: read(join(out, "xmpp.example.fullchain.pem")) };
    const x = new X509Certificate(leaf.cert);
    expect(x.subject).toBeUndefined();
    expect(x.subjectAltName).toBe("DNS:xmpp.example");
    expect(x.publicKey.asymmetricKeyType).toBe("ec");
    expect(new X509Certificate(ca).publicKey.asymmetricKeyType).toBe("rsa");
    expect(countCerts(leaf.fullchain)).toBe(2);
    expect(opensslVerify(ca, leaf, "sslserver", ["-verify_hostname", "xmpp.example"]).ok).toBe(true);
    expect(opensslVerify(ca, leaf, "sslclient").output).toMatch(/error 26 .*certificate purpose/);
  });

  it("missing-intermediate: fullchain.pem holds the leaf alone, which ca.crt cannot reach, and says so", async () => {
    const out = join(tmp, "cli-missing");
    const lines: string[] = [];
    await certCommand({ profile: "missing-intermediate", domain: "m.example", out }, (s) => lines.push(s));
    const ca = read(join(out, "ca.crt"));
    const leaf = { cert: read(join(out, "m.example.crt")), fullchain: read(join(out, "m.example.fullchain.pem")) };
    expect(countCerts(leaf.fullchain)).toBe(1);
    expect(opensslVerify(ca, leaf, "sslserver").output).toMatch(/unable to get local issuer certificate/);
    expect(lines.filter((l) => l.startsWith("note: "))).toEqual([expect.stringMatching(/m\.example\.fullchain\.pem holds the leaf alone on purpose/)]);
  });

  it.each([
    [{ profile: "wildcard", domain: "a.example", out: "x" }, /covers the domain with \*\.<parent>: "a\.example" has no parent/],
    [{ profile: "bogus", domain: "a.example", out: "x" }, /unknown certificate profile "bogus"; allowed: server-only, dual-eku/],
    [{ domain: "a.example", out: "x" }, /missing --profile/],
    [{ profile: "dual-eku" }, /missing --domain, --out/],
    [{ profile: "dual-eku", domain: "a.com", out: "x" }, /not under the test TLD \.example/],
    [{ profile: "dual-eku", domain: "A_B.example", out: "x" }, /invalid domain/],
    [{ profile: "dual-eku", domain: "a.example", out: "x", keyType: "dsa" }, /unknown --key-type "dsa"; allowed: rsa, ec/],
  ])("%j → UsageError", async (opts, message) => {
    const err = await certCommand(opts, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
