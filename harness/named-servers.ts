// The servers of a run by name: what runs under each name a cell uses (`ours`, or
// `family@version` for an unnamed server), from which image, with which config.
// Names are per scenario; a run of several scenarios gives each name one meaning.
import { findEntry, resolveServer, serverKey } from "./servers/catalog.ts";
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

/**
 * An extra server from `--servers`: `family@version`, or `name=family@version` to name it
 * (so that its cells keep matching a baseline across a bump). UsageError when unknown.
 */
export function extraServer(text: string): ScenarioServer {
  const eq = text.indexOf("=");
  const name = eq >= 0 ? text.slice(0, eq).trim() : undefined;
  const id = (eq >= 0 ? text.slice(eq + 1) : text).trim();
  const entry = resolveServer(id);
  if (name !== undefined && !/^[a-z][a-z0-9_-]*$/.test(name)) {
    throw new UsageError(`--servers ${text}: invalid name "${name}"; a name is lowercase letters, digits, - and _ (e.g. ours=${id})`);
  }
  return { id: name ?? serverKey(entry), named: name !== undefined, family: entry.family, version: entry.version, optional: false };
}

/** The entry a cell's server name stands for: from the run's table, else the name is itself `family@version` (API callers). */
export function entryOf(name: string, servers?: RunServers): CatalogEntry {
  return servers?.get(name)?.entry ?? findEntry(name) ?? resolveServer(name);
}
