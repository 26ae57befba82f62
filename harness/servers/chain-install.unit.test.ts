// What each adapter gives its server to send: the leaf and its intermediate (Prosody's
// certificate file, ejabberd's certfile, jabberd2's pemfile: each loaded with OpenSSL's
// SSL_CTX_use_certificate_chain_file; Openfire's PKCS#12 key entry), or the leaf alone for
// missing-intermediate. Read back with openssl and node:crypto, not with ca/'s own code.
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa, type TestCa } from "../../ca/index.ts";
import type { ProfileName } from "../../core/types.ts";
import type { InstanceConfig, ServerAdapter } from "./adapter.ts";
import { CATALOG, OPENFIRE_ENTRIES } from "./catalog.ts";
import { ejabberd } from "./ejabberd.ts";
import { jabberd2 } from "./jabberd2.ts";
import { openfireAdapter } from "./openfire.ts";
import { prosody } from "./prosody.ts";

const DOMAIN = "c1-a.example";
const PEMS = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const certsIn = (text: string) => (text.match(PEMS) ?? []).map((p) => new X509Certificate(p));

/** The certificates of Openfire's keystore's key entry, as `openssl pkcs12` lists them. */
function keystoreCerts(p12: Buffer): X509Certificate[] {
  const dir = mkdtempSync(join(tmpdir(), "chain-install-"));
  try {
    writeFileSync(join(dir, "ks.p12"), p12);
    const r = spawnSync("openssl", ["pkcs12", "-in", "ks.p12", "-nokeys", "-passin", "pass:changeit"], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl pkcs12: ${r.stderr}`);
    return certsIn(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Reader = (files: Map<string, string | Buffer>) => X509Certificate[];
const ADAPTERS: [string, ServerAdapter, () => (typeof CATALOG)[number], Reader][] = [
  ["prosody", prosody, () => CATALOG.find((e) => e.family === "prosody")!, (f) => certsIn(String(f.get(`/etc/prosody/certs/${DOMAIN}.crt`)))],
  ["ejabberd", ejabberd, () => CATALOG.find((e) => e.family === "ejabberd")!, (f) => certsIn(String(f.get(`/etc/ejabberd/certs/${DOMAIN}.pem`)))],
  ["jabberd2", jabberd2, () => CATALOG.find((e) => e.family === "jabberd2")!, (f) => certsIn(String(f.get(`/etc/jabberd2/certs/${DOMAIN}.pem`)))],
  ["openfire", openfireAdapter, () => OPENFIRE_ENTRIES[0]!, (f) => keystoreCerts([...f].find(([p]) => p.endsWith("/security_org/keystore"))![1] as Buffer)],
];

let ca: TestCa;
beforeAll(async () => {
  ca = await createCa();
});

const configFor = async (certificate: ProfileName): Promise<InstanceConfig> => ({
  vhosts: [{ domain: DOMAIN, certificate, dialback: "off", tls: await ca.issue(DOMAIN, certificate) }],
  users: [{ username: "probe", password: "pw" }],
  trustedCa: ca.trustBundle,
  secureAuth: true,
});

describe.each(ADAPTERS)("%s", (_, adapter, entry, read) => {
  it.each(["le-tlsserver", "rsa-classic"] as const)("%s: the leaf, then the intermediate that signed it", async (profile) => {
    const files = new Map(adapter.render(entry(), await configFor(profile)).files.map((f) => [f.path, f.content]));
    const [leaf, inter, ...rest] = read(files);
    expect(rest).toEqual([]);
    expect(leaf!.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(inter!.ca).toBe(true);
    expect(leaf!.checkIssued(inter!)).toBe(true);
    expect(inter!.checkIssued(new X509Certificate(ca.trustBundle))).toBe(true);
  });

  it("missing-intermediate: the leaf alone", async () => {
    const files = new Map(adapter.render(entry(), await configFor("missing-intermediate")).files.map((f) => [f.path, f.content]));
    const sent = read(files);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(sent[0]!.ca).toBe(false);
  });
});
