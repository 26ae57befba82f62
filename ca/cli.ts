// `s2s-matrix cert`: mint one leaf (plus a fresh CA) into a directory, for trying a
// profile by hand against a server outside the harness. --key-type is the CA's key and
// the leaf's, unless the profile fixes the leaf's (le-*: EC P-256, rsa-classic: RSA).
import { UsageError } from "../core/errors.ts";
import { createCa } from "./authority.ts";
import { validateDomain } from "./domain.ts";
import { writeLeafFiles } from "./files.ts";
import { KEY_TYPES, type KeyType } from "./keys.ts";
import { getProfile, PROFILE_NAMES, PROFILES } from "./profiles.ts";

export interface CertCommandOptions {
  profile?: string;
  domain?: string;
  out?: string;
  listProfiles?: boolean;
  keyType?: string;
  intermediate?: boolean;
}

/** The CLI always uses the default test TLD: a CA constrained to a real TLD would be a risk. */
const TLD = "example";
const USAGE = "usage: s2s-matrix cert --profile <name> --domain <host.example> --out <dir> | --list-profiles";

export async function certCommand(opts: CertCommandOptions, print: (s: string) => void): Promise<void> {
  if (opts.listProfiles) {
    const width = Math.max(...PROFILE_NAMES.map((n) => n.length));
    for (const name of PROFILE_NAMES) print(`${name.padEnd(width)}  ${PROFILES[name].description}`);
    return;
  }
  const missing = (["profile", "domain", "out"] as const).filter((k) => !opts[k]);
  if (missing.length) throw new UsageError(`missing --${missing.join(", --")}\n${USAGE}`);
  const profile = getProfile(opts.profile!);
  const keyType = (opts.keyType ?? "rsa") as KeyType;
  if (!KEY_TYPES.includes(keyType)) {
    throw new UsageError(`unknown --key-type ${JSON.stringify(opts.keyType)}; allowed: ${KEY_TYPES.join(", ")}`);
  }

  // Checked before the CA exists, so a typo costs no key generation.
  validateDomain(opts.domain!, TLD);

  // A fresh CA per invocation; its key stays in memory so only ca.crt leaves the process.
  const ca = await createCa({ tld: TLD, keyType, intermediate: !!opts.intermediate });
  const leaf = await ca.issue(opts.domain!, profile.name);
  const files = await writeLeafFiles(opts.out!, opts.domain!, leaf, ca.trustBundle);
  print(`${profile.name}: ${profile.description}`);
  for (const path of [files.cert, files.key, files.fullchain, files.ca]) print(`wrote ${path}`);
  if (profile.issuer === "untrusted" || profile.issuer === "self") print(`note: ${files.ca} does not verify this leaf (issuer: ${profile.issuer})`);
  if (profile.sends === "leaf") {
    print(`note: ${files.fullchain} holds the leaf alone on purpose (cert.pem where fullchain.pem belongs): a peer trusting ${files.ca} cannot reach it`);
  }
}
