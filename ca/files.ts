// Writing a leaf to disk the way servers expect it: private key readable by the owner only.
import { mkdir, mkdtemp, open, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../core/errors.ts";
import type { HostCertificate } from "../core/types.ts";
import { isDnsName } from "./domain.ts";

export interface LeafFiles {
  cert: string;
  key: string;
  fullchain: string;
  ca: string;
}

/**
 * A new directory for a run's kept keys (`--keep`): created here by mkdtemp (a random
 * name, mode 0700), so never a path someone else made or linked beforehand in /tmp.
 */
export function newKeysDir(runId: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `s2s-matrix-${runId}-keys-`));
}

/**
 * Writes `<domain>.crt`, `<domain>.key` (0600), `<domain>.fullchain.pem` and `ca.crt`.
 * `caBundlePem` must be the trusted root only: the untrusted CA never goes in ca.crt.
 */
export async function writeLeafFiles(
  dir: string,
  domain: string,
  leaf: HostCertificate,
  caBundlePem: string,
): Promise<LeafFiles> {
  // The domain becomes a file name: refuse anything that could escape `dir`.
  if (!isDnsName(domain)) throw new UsageError(`invalid domain ${JSON.stringify(domain)} for a file name`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: LeafFiles = {
    cert: join(dir, `${domain}.crt`),
    key: join(dir, `${domain}.key`),
    fullchain: join(dir, `${domain}.fullchain.pem`),
    ca: join(dir, "ca.crt"),
  };
  // The open mode only applies on creation: tighten an existing file before the key goes in.
  const keyFile = await open(files.key, "w", 0o600);
  try {
    await keyFile.chmod(0o600);
    await keyFile.writeFile(withNewline(leaf.key));
  } finally {
    await keyFile.close();
  }
  await writeFile(files.cert, withNewline(leaf.cert));
  await writeFile(files.fullchain, withNewline(leaf.fullchain));
  await writeFile(files.ca, withNewline(caBundlePem));
  return files;
}

function withNewline(pem: string): string {
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}
