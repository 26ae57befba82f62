// The server families s2s-matrix knows (each one's adapter), every server version of
// them, and where its image comes from. The family names, the `family@version` parser
// and adapterFor follow from ADAPTERS. Adding a version is one entry here; adding a
// family is its adapter file in this folder, its line in ADAPTERS, its entries below
// and its image directory (harness/images/<family>, for Debian-built entries).
//
// Two kinds of entries:
// - debian: s2s-matrix builds the image itself from Debian's archive (harness/images/<family>).
// - upstream: the project's own image, used as it is. s2s-matrix pulls it only with
//   `run --pull`; otherwise the user provides it (`docker pull <image>`, or `docker load`
//   where no registry is reachable). A run that needs a missing upstream image stops
//   before starting anything (exit 3), unless the scenario marks that server optional.
//
// Naming: users name a server `family@version`, and that key is unique. When a
// version exists both as a Debian build and as an upstream image, the Debian entry
// keeps the plain key and the upstream one is `family@version+upstream` (a `+` suffix
// orders right after the plain version, so version ranges treat both alike; see
// scenarios/versions.ts). CATALOG is checked for duplicate keys when this module loads.
import type { CatalogEntry, ServerAdapter } from "./adapter.ts";
import { ejabberd } from "./ejabberd.ts";
import { jabberd2 } from "./jabberd2.ts";
import { openfireAdapter } from "./openfire.ts";
import { prosody } from "./prosody.ts";
import { splitServerId } from "../../core/server-id.ts";
import { UsageError } from "../../core/errors.ts";

/** The registered families, one adapter each. */
export const ADAPTERS = [prosody, ejabberd, openfireAdapter, jabberd2] as const;

/** A server family's name: one of the registered adapters' `family`. */
export type Family = (typeof ADAPTERS)[number]["family"];

export const FAMILIES: readonly Family[] = ADAPTERS.map((a) => a.family);

export const isFamily = (name: string): name is Family => (FAMILIES as readonly string[]).includes(name);

export function adapterFor(family: Family): ServerAdapter {
  const a = ADAPTERS.find((x) => x.family === family);
  if (!a) throw new Error(`no adapter for server family ${family}`);
  return a;
}

/** A server the user names as `family@version`. */
export interface ServerId {
  family: Family;
  version: string;
}

const debian = (suite: string, pkg: string, packageVersion: string): CatalogEntry["source"] => ({
  kind: "debian",
  suite,
  package: pkg,
  packageVersion,
});

const upstream = (image: string): CatalogEntry["source"] => ({ kind: "upstream", image });

export const DEBIAN_ENTRIES: CatalogEntry[] = [
  { family: "prosody", version: "0.12.3", source: debian("bookworm", "prosody", "0.12.3") },
  { family: "prosody", version: "13.0.1", source: debian("bookworm-backports", "prosody", "13.0.1") },
  { family: "prosody", version: "13.0.7", source: debian("sid", "prosody", "13.0.7") },
  // trixie-backports held 13.0.6 until December 2026; Debian's archive keeps only the newest.
  { family: "prosody", version: "13.0.8", source: debian("trixie-backports", "prosody", "13.0.8") },
  { family: "ejabberd", version: "23.01", source: debian("bookworm", "ejabberd", "23.01") },
  { family: "ejabberd", version: "24.12", source: debian("bookworm-backports", "ejabberd", "24.12") },
  { family: "ejabberd", version: "26.07", source: debian("trixie-backports", "ejabberd", "26.07") },
  // bookworm's build: trixie's (2.7.0-8, OpenSSL 3.5) fails every TLS handshake from an
  // OpenSSL 3.5 peer once it verifies certificates (verify-mode 7), even dual-EKU ones.
  { family: "jabberd2", version: "2.7.0", source: debian("bookworm", "jabberd2", "2.7.0") },
];

const openfireImage = (tag: string): CatalogEntry["source"] => upstream(`ghcr.io/igniterealtime/openfire:${tag}`);

/**
 * Openfire versions; the image tags follow the git tags (v4.9.2), as docker/metadata-action
 * names tag builds in Openfire's CI. Images on ghcr.io exist only for tags pushed after the
 * publishing job was added (early 2025): check `docker manifest inspect` before relying on one.
 */
export const OPENFIRE_ENTRIES: CatalogEntry[] = [
  {
    family: "openfire",
    version: "4.9.2",
    source: openfireImage("v4.9.2"),
    note: "upstream image only (no Debian package); one XMPP domain per instance",
  },
  {
    family: "openfire",
    version: "5.0.2",
    source: openfireImage("v5.0.2"),
    note: "upstream image only (no Debian package); one XMPP domain per instance",
  },
];

/**
 * The projects' own images. Prosody publishes branch tags (prosodyim/prosody:13.0 is the
 * newest 13.0.x when it was pulled; the run reports the exact version installed);
 * ejabberd publishes one tag per release on ghcr.io.
 */
export const UPSTREAM_ENTRIES: CatalogEntry[] = [
  {
    family: "prosody",
    version: "0.12",
    source: upstream("prosodyim/prosody:0.12"),
    note: "upstream branch image: the newest 0.12.x at pull time",
  },
  {
    family: "prosody",
    version: "13.0",
    source: upstream("prosodyim/prosody:13.0"),
    note: "upstream branch image: the newest 13.0.x at pull time",
  },
  {
    family: "ejabberd",
    version: "25.07",
    source: upstream("ghcr.io/processone/ejabberd:25.07"),
    note: "upstream image; first release accepting server-only certificates on incoming s2s",
  },
  {
    family: "ejabberd",
    version: "25.08",
    source: upstream("ghcr.io/processone/ejabberd:25.08"),
    note: "upstream image",
  },
  ...OPENFIRE_ENTRIES,
];

export const serverKey = (s: ServerId): string => `${s.family}@${s.version}`;

/** Debian entries keep `family@version`; an upstream entry of the same version becomes `family@version+upstream`. */
export function withUniqueKeys(debianEntries: CatalogEntry[], upstreamEntries: CatalogEntry[]): CatalogEntry[] {
  const taken = new Set(debianEntries.map(serverKey));
  const all = [
    ...debianEntries,
    ...upstreamEntries.map((e) => (taken.has(serverKey(e)) ? { ...e, version: `${e.version}+upstream` } : e)),
  ];
  const seen = new Set<string>();
  for (const e of all) {
    const key = serverKey(e);
    if (seen.has(key)) throw new Error(`catalog: "${key}" is listed twice; every family@version must be unique`);
    seen.add(key);
  }
  return all;
}

export const CATALOG: CatalogEntry[] = withUniqueKeys(DEBIAN_ENTRIES, UPSTREAM_ENTRIES);

/** `family@version` of a registered family, the version starting with a digit; undefined otherwise. */
export function parseServerId(text: string): ServerId | undefined {
  const id = splitServerId(text);
  return id && isFamily(id.family) && /^[0-9][0-9A-Za-z.+~-]*$/.test(id.version) ? { family: id.family, version: id.version } : undefined;
}

/**
 * Families that publish one image per release under one pattern: a version the
 * catalog does not list resolves to it (upstream layout), so `ejabberd@25.10` runs
 * ghcr.io/processone/ejabberd:25.10 where it can be pulled. Prosody publishes branch
 * tags (prosodyim/prosody:13.0) and Openfire only releases since early 2025, so
 * neither has one; their other builds run as `{name, family, image}`.
 */
export const PUBLISHED: Partial<Record<Family, { image: (version: string) => string; version: RegExp }>> = {
  ejabberd: { image: (v) => `ghcr.io/processone/ejabberd:${v}`, version: /^\d+\.\d+(\.\d+)?$/ },
};

/** The entry for a version outside the catalog whose family publishes it; undefined otherwise. */
export function publishedEntry(id: ServerId): CatalogEntry | undefined {
  const p = PUBLISHED[id.family];
  if (!p || !p.version.test(id.version)) return undefined;
  return { family: id.family, version: id.version, source: upstream(p.image(id.version)), note: "not in the catalog: the project's published image" };
}

/** The catalog entry for `family@version`, else the project's published image of that version, else undefined. */
export function findEntry(text: string): CatalogEntry | undefined {
  const id = parseServerId(text);
  return id && (CATALOG.find((e) => e.family === id.family && e.version === id.version) ?? publishedEntry(id));
}

/** The entry for `family@version` (catalog or published image), or a UsageError listing what exists. */
export function resolveServer(text: string): CatalogEntry {
  const entry = findEntry(text);
  if (!entry) {
    const published = Object.keys(PUBLISHED).map((f) => `any ${f}@<version>`);
    throw new UsageError(`unknown server "${text}"; known servers: ${[...CATALOG.map(serverKey), ...published].join(", ")}`);
  }
  return entry;
}

/** The image a run must find (or pull) for an entry; undefined for a Debian entry (built on first use). */
export const upstreamImage = (entry: CatalogEntry): string | undefined =>
  entry.source.kind === "debian" ? undefined : entry.source.image;
