// How a server is named: `family@version` (`ejabberd@24.12`), or the family alone
// where the version is not known yet (a user's image before it runs). The one parser;
// which families exist is the catalog's business (harness/servers/catalog.ts).

/** Splits `family@version`; undefined when there is no single `@` with text on both sides. */
export function splitServerId(id: string): { family: string; version: string } | undefined {
  const m = /^([^@\s]+)@([^@\s]+)$/.exec(id.trim());
  return m ? { family: m[1]!, version: m[2]! } : undefined;
}

/** What runs: `family@version` split, else the whole text as the family (`ejabberd` for an image not yet run). */
export function familyAndVersion(runs: string): { family: string; version?: string } {
  return splitServerId(runs) ?? { family: runs };
}
