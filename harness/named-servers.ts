// The servers of a run by name: what runs under each name a cell uses (`ours`, or
// `family@version` for an unnamed server), from which image, with which config.
// Names are per scenario; a run of several scenarios gives each name one meaning.
import { FAMILIES, findEntry, isFamily, resolveServer, serverKey } from "./servers/catalog.ts";
import { UsageError } from "../core/errors.ts";
import type { CatalogEntry } from "./servers/adapter.ts";
import type { Scenario, ScenarioServer } from "../scenarios/model.ts";

export interface RunServer {
  /** What cells call it. */
  name: string;
  entry: CatalogEntry;
  /** The operator's own configuration file (scenario `config:`). */
  config?: { file: string; text: string };
}

export type RunServers = Map<string, RunServer>;

/** The entry behind a scenario server: the catalog's (or a published release), or a user image. */
export function runServer(s: ScenarioServer): RunServer {
  const entry: CatalogEntry =
    s.image !== undefined
      ? { family: s.family, version: "", source: { kind: "image", image: s.image, ...(s.layout ? { layout: s.layout } : {}) } }
      : resolveServer(`${s.family}@${s.version}`);
  return { name: s.id, entry, ...(s.config ? { config: s.config } : {}) };
}

/** What a name runs, for messages: `ejabberd@24.12`, `ejabberd image registry.example.org/x:y`. */
export const describeEntry = (e: CatalogEntry): string =>
  e.source.kind === "image" ? `${e.family} image ${e.source.image}` : serverKey(e);

const sameServer = (a: RunServer, b: RunServer): boolean =>
  JSON.stringify([a.entry, a.config?.file, a.config?.text]) === JSON.stringify([b.entry, b.config?.file, b.config?.text]);

/** Every name of the scenarios; a UsageError (exit 2) when two scenarios give one name different servers. */
export function collectServers(scenarios: Scenario[]): RunServers {
  const servers: RunServers = new Map();
  const where = new Map<string, string>();
  for (const sc of scenarios) {
    for (const s of sc.servers) {
      const rs = runServer(s);
      const at = `${sc.file}${s.line ? `:${s.line}` : ""}`;
      const known = servers.get(s.id);
      if (known && !sameServer(known, rs)) {
        throw new UsageError(
          `server name "${s.id}" means ${describeEntry(known.entry)}${known.config ? ` with ${known.config.file}` : ""} in ${where.get(s.id)} ` +
            `but ${describeEntry(rs.entry)}${rs.config ? ` with ${rs.config.file}` : ""} in ${at}; a run gives each name one server: rename one of them`,
        );
      }
      if (!known) {
        servers.set(s.id, rs);
        where.set(s.id, at);
      }
    }
  }
  return servers;
}

/** `--servers` names: as a scenario's `name:` (scenario.schema.json serverName). */
const NAME = /^[a-z][a-z0-9_-]*$/;
/** `family@image:reference`: a user's own image, e.g. a pull request's build. */
const IMAGE = /^([^@\s]*)@image:(.*)$/;

/**
 * An extra server from `--servers`: `family@version`, `name=family@version` to name it
 * (so that its cells keep matching a baseline across a bump), or
 * `name=family@image:reference` for an image of your own (a CI build), the same as the
 * scenario entry {name, family, image}. UsageError (exit 2) naming the fix otherwise.
 */
export function extraServer(text: string): ScenarioServer {
  const eq = text.indexOf("=");
  const name = eq >= 0 ? text.slice(0, eq).trim() : undefined;
  const id = (eq >= 0 ? text.slice(eq + 1) : text).trim();
  const bad = (why: string) => new UsageError(`--servers ${JSON.stringify(text)}: ${why}`);
  const checkName = (example: string) => {
    if (name === undefined) return;
    if (!NAME.test(name)) throw bad(`invalid name "${name}"; a name is lowercase letters, digits, - and _ (e.g. ours=${example})`);
    if (isFamily(name)) throw bad(`name "${name}" is a server family, which rule selectors could not tell from it; pick another, e.g. our-${name}=${example}`);
  };
  const misspelt = /^([a-z0-9]+):image:(.+)$/.exec(id);
  if (misspelt) throw bad(`an image of your own is written name=family@image:reference, e.g. ${name ?? "ours"}=${misspelt[1]}@image:${misspelt[2]}`);
  const image = IMAGE.exec(id);
  if (image) {
    const [, family, reference] = image;
    const example = `${isFamily(family) ? family : FAMILIES[0]}@image:${reference || "registry.example/xmpp/server:pr-42"}`;
    if (!isFamily(family)) throw bad(`unknown server family "${family}" (families: ${FAMILIES.join(", ")}), e.g. ours=${example}`);
    if (!reference || /\s/.test(reference)) throw bad(`the image reference after "@image:" must be non-empty without spaces, e.g. ours=${example}`);
    if (name === undefined) throw bad(`an image needs a name, since its version is known only once it runs: ours=${id}`);
    checkName(example);
    return { id: name, named: true, family, image: reference, optional: false };
  }
  let entry: CatalogEntry;
  try {
    entry = resolveServer(id);
  } catch (e) {
    throw e instanceof UsageError ? bad(`${e.message}; or name=family@image:reference for an image of your own`) : e;
  }
  checkName(id);
  return { id: name ?? serverKey(entry), named: name !== undefined, family: entry.family, version: entry.version, optional: false };
}

/** The entry a cell's server name stands for: from the run's table, else the name is itself `family@version` (API callers). */
export function entryOf(name: string, servers?: RunServers): CatalogEntry {
  return servers?.get(name)?.entry ?? findEntry(name) ?? resolveServer(name);
}
