// Openfire's key and trust stores as the adapter renders them, read by the JDK's own
// keytool, with the KeyStore code Openfire reads them with (a Java process: the process
// project). Openfire has not run here.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTruststore } from "../../ca/pkcs12.ts";
import { openfireAdapter } from "./openfire.ts";
import { configFor, entry, fileOf, pki, vhostFor } from "./fixtures/openfire-pki.ts";

// Debian's JDK puts it in /usr/bin; CI's setup-java sets JAVA_HOME.
const KEYTOOL = ["/usr/bin/keytool", process.env.JAVA_HOME && join(process.env.JAVA_HOME, "bin", "keytool")].find(
  (p): p is string => !!p && existsSync(p),
);
const hasKeytool = KEYTOOL !== undefined;
const keytoolTitle = (title: string) => (hasKeytool ? title : `${title} [skipped: no keytool in /usr/bin or $JAVA_HOME/bin]`);

describe.skipIf(!hasKeytool)(keytoolTitle("openfire key and trust stores (keytool)"), () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "s2s-matrix-openfire-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const list = (file: string, storetype: "PKCS12" | "JKS", password = "changeit"): string =>
    execFileSync(KEYTOOL!, ["-list", "-v", "-keystore", file, "-storepass", password, "-storetype", storetype], {
      encoding: "utf8",
      env: { ...process.env, LC_ALL: "C", JAVA_TOOL_OPTIONS: "-Duser.language=en" },
      stdio: ["ignore", "pipe", "pipe"],
    });

  it.each(["rsa", "ec"] as const)(keytoolTitle("keystore (%s leaf): one PrivateKeyEntry with the chain"), async (type) => {
    const config = await configFor([await vhostFor(type, "on")], false, type);
    const rendered = openfireAdapter.render(entry, config);
    const file = join(dir, `keystore-${type}`);
    writeFileSync(file, fileOf(rendered.files, "/security_org/keystore"));

    const out = list(file, "PKCS12");
    expect(out).toContain("Your keystore contains 1 entry");
    expect(out).toContain(`Alias name: of1.example_${type}`);
    expect(out).toContain("Entry type: PrivateKeyEntry");
    expect(out).toContain("Certificate chain length: 2");
    expect(out).toContain("Owner: CN=of1.example");
    // Openfire's default store type is "jks"; the JDK's JKS loader accepts PKCS#12 files.
    expect(list(file, "JKS")).toContain("Entry type: PrivateKeyEntry");
    // The MAC is real: a wrong password fails the integrity check.
    expect(() => list(file, "PKCS12", "not-changeit")).toThrow();
  });

  it(keytoolTitle("truststore: every CA as a trustedCertEntry, duplicates dropped"), async () => {
    const rsaCa = (await pki.rsa).ca.pem;
    const ecCa = (await pki.ec).ca.pem;
    const one = join(dir, "truststore-1");
    const config = await configFor([await vhostFor("rsa", "off")], true);
    writeFileSync(one, fileOf(openfireAdapter.render(entry, config).files, "/security_org/truststore"));
    const out1 = list(one, "PKCS12");
    expect(out1).toContain("Your keystore contains 1 entry");
    expect(out1).toContain("Alias name: s2s-matrix-ca-1");
    expect(out1).toContain("Entry type: trustedCertEntry");
    expect(out1).toContain("Owner: CN=s2s-matrix test CA (rsa)");
    expect(out1).not.toContain("PrivateKeyEntry");

    const two = join(dir, "truststore-2");
    const { content, aliases } = buildTruststore(rsaCa + ecCa + rsaCa);
    expect(aliases).toEqual(["s2s-matrix-ca-1", "s2s-matrix-ca-2"]);
    writeFileSync(two, content);
    const out2 = list(two, "PKCS12");
    expect(out2).toContain("Your keystore contains 2 entries");
    expect(out2.match(/Entry type: trustedCertEntry/g)).toHaveLength(2);
    expect(list(two, "JKS")).toContain("Entry type: trustedCertEntry");
  });
});
