// Domain rules: leaves are only ever minted for names under the test TLD, which is
// also what the CA's nameConstraints permit; checking here gives a clear error
// instead of a certificate every validator rejects.
import { UsageError } from "../core/errors.ts";

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const DOMAIN_RULE =
  "lowercase DNS labels of a-z, 0-9 and '-' (1-63 characters, no leading or trailing '-'), separated by '.', at most 253 characters";

/** Whether `name` is a syntactically valid lowercase DNS name (no trailing dot). */
export function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split(".").every((l) => LABEL.test(l));
}

/** Throws UsageError unless `domain` is a valid DNS name strictly under `tld`. */
export function validateDomain(domain: string, tld: string): void {
  if (typeof domain !== "string" || !isDnsName(domain)) {
    throw new UsageError(`invalid domain ${JSON.stringify(domain)}: expected ${DOMAIN_RULE}`);
  }
  if (!domain.endsWith(`.${tld}`)) {
    throw new UsageError(
      `domain ${JSON.stringify(domain)} is not under the test TLD .${tld}: the test CA may only sign names like host.${tld}`,
    );
  }
}

/**
 * The name a `wrong-name` leaf carries instead of `domain`: a sibling under the same
 * parent (so still inside the CA's name constraints) that no server is called.
 */
export function wrongName(domain: string): string {
  const [first, ...rest] = domain.split(".");
  const label = `wrong-${first}`.slice(0, 63).replace(/-+$/, "");
  return [label, ...rest].join(".");
}
