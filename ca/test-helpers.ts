// Shared by the ca/ unit tests: independent readers of certificates (Node's X509Certificate
// and the openssl CLI), so the tests do not trust the library that minted them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const OID = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" } as const;

/** `openssl x509 -noout -text` of a PEM. */
export function opensslText(pem: string): string {
  const r = spawnSync("openssl", ["x509", "-noout", "-text"], { input: pem, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl x509 failed: ${r.stderr}`);
  return r.stdout;
}

/** The text block openssl prints for one extension, e.g. "X509v3 Extended Key Usage". */
export function extensionText(text: string, name: string): string | undefined {
  const m = text.match(new RegExp(`${name}:( critical)? *\\n\\s+(.*)`));
  return m ? `${m[1] ? "critical " : ""}${m[2]!.trim()}` : undefined;
}

export interface Verdict {
  ok: boolean;
  output: string;
}

/**
 * `openssl verify -CAfile <trusted> -untrusted <fullchain> -purpose <purpose> <leaf>`.
 * `extra` adds flags such as `-verify_hostname`.
 */
export function opensslVerify(
  trusted: string,
  leaf: { cert: string; fullchain: string },
  purpose: "sslserver" | "sslclient",
  extra: string[] = [],
): Verdict {
  const dir = mkdtempSync(join(tmpdir(), "ca-verify-"));
  try {
    writeFileSync(join(dir, "ca.crt"), trusted);
    writeFileSync(join(dir, "chain.pem"), leaf.fullchain);
    writeFileSync(join(dir, "leaf.crt"), leaf.cert);
    const r = spawnSync(
      "openssl",
      ["verify", "-CAfile", "ca.crt", "-untrusted", "chain.pem", "-purpose", purpose, ...extra, "leaf.crt"],
      { cwd: dir, encoding: "utf8" },
    );
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Number of certificates in a PEM bundle. */
export function countCerts(pem: string): number {
  return pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
}
