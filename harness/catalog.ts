// Every server version s2s-matrix knows, and where its image comes from.
// Adding a version is one entry here; adding a family is one adapter in servers/.
import type { CatalogEntry } from "./servers/adapter.ts";
import type { Family, ServerId } from "./types.ts";
import { UsageError } from "./errors.ts";

const debian = (suite: string, pkg: string, packageVersion: string): CatalogEntry["source"] => ({
  kind: "debian",
  suite,
  package: pkg,
  packageVersion,
});

export const CATALOG: CatalogEntry[] = [
  { family: "prosody", version: "0.12.3", source: debian("bookworm", "prosody", "0.12.3") },
  { family: "prosody", version: "13.0.1", source: debian("bookworm-backports", "prosody", "13.0.1") },
  { family: "prosody", version: "13.0.6", source: debian("trixie-backports", "prosody", "13.0.6") },
  { family: "prosody", version: "13.0.7", source: debian("sid", "prosody", "13.0.7") },
  { family: "ejabberd", version: "23.01", source: debian("bookworm", "ejabberd", "23.01") },
  { family: "ejabberd", version: "24.12", source: debian("bookworm-backports", "ejabberd", "24.12") },
  { family: "ejabberd", version: "26.07", source: debian("trixie-backports", "ejabberd", "26.07") },
];

export const serverKey = (s: ServerId): string => `${s.family}@${s.version}`;

export function parseServerId(text: string): ServerId | undefined {
  const m = /^(prosody|ejabberd|openfire)@([0-9][0-9A-Za-z.+~-]*)$/.exec(text.trim());
  return m ? { family: m[1] as Family, version: m[2] } : undefined;
}

export function findEntry(text: string): CatalogEntry | undefined {
  const id = parseServerId(text);
  return id && CATALOG.find((e) => e.family === id.family && e.version === id.version);
}

/** The catalog entry for `family@version`, or a UsageError listing what exists. */
export function resolveServer(text: string): CatalogEntry {
  const entry = findEntry(text);
  if (!entry) {
    throw new UsageError(`unknown server "${text}"; known servers: ${CATALOG.map(serverKey).join(", ")}`);
  }
  return entry;
}
