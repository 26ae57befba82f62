// Resolving server names: each servers entry against the catalog, named once, its config read.
import { findEntry, type Family } from "../../harness/servers/catalog.ts";
import type { ScenarioServer } from "../model.ts";
import { readConfig } from "./config.ts";
import type { Path, RawIssue } from "./issues.ts";
import { SCENARIO_SCHEMA } from "./schema.ts";
import { catalogFamilies, catalogKeys, isObject } from "./wording.ts";

const SERVER_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverId?.pattern));
const NAME_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverName?.pattern));
const IMAGE_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverEntry?.oneOf?.[1]?.properties?.image?.pattern));

/**
 * One server entry: `family@version`, `{server, name?, config?, optional?}` or
 * `{name, family, image, layout?, config?, optional?}`. Undefined (with issues) when invalid;
 * shapes the schema rejects were reported by it.
 */
function checkServer(item: unknown, i: number, file: string, issues: RawIssue[]): ScenarioServer | undefined {
  const entry = typeof item === "string" ? { server: item } : isObject(item) ? item : undefined;
  if (!entry) return undefined;
  const at = (field?: string): Path => (typeof item === "string" || field === undefined ? ["servers", i] : ["servers", i, field]);
  const before = issues.length;
  const families = catalogFamilies();
  const name = typeof entry.name === "string" ? entry.name : undefined;
  if (name !== undefined && families.includes(name)) {
    issues.push({ path: at("name"), message: `name "${name}" is a server family, which rule selectors could not tell from it; pick another, e.g. our-${name}` });
  }
  const has = (k: string) => entry[k] !== undefined;
  if (has("server") && (has("image") || has("family"))) {
    issues.push({ path: at(has("image") ? "image" : "family"), message: `give either "server: family@version" or "family" and "image", not both` });
  } else if (!has("server") && !has("image") && !has("family")) {
    issues.push({ path: at(), message: `missing "server" (family@version), or "family" and "image" for an image of your own` });
  } else if (has("image") && !has("family")) {
    issues.push({ path: at("image"), message: `"image" needs "family": the server family whose adapter configures it (${families.join(", ")})` });
  } else if (has("family") && !has("image")) {
    issues.push({ path: at("family"), message: `"family" needs "image"; for a catalog server write server: ${String(entry.family)}@<version>` });
  } else if (has("image") && name === undefined) {
    issues.push({ path: at(), message: `an "image" entry needs a "name" (its version is known only once it runs), e.g. {name: ours, family: ${String(entry.family)}, image: ${String(entry.image)}}` });
  }
  if (has("layout") && !has("image")) {
    issues.push({ path: at("layout"), message: `"layout" applies to an "image" entry only; a catalog server's layout is known` });
  }

  let family: Family | undefined;
  let version: string | undefined;
  if (typeof entry.server === "string") {
    const id = entry.server;
    if (!SERVER_RE.test(id)) return undefined; // the schema reported it
    const f = id.slice(0, id.indexOf("@"));
    const found = findEntry(id);
    if (!found) {
      const known = catalogKeys().join(", ");
      const what = families.includes(f)
        ? `unknown server "${id}": no such ${f} version in the catalog; known servers: ${known}; another build of yours runs as {name: ours, family: ${f}, image: <your image>}`
        : `unknown server "${id}": no server family "${f}" in the catalog; known servers: ${known}`;
      issues.push({ path: typeof item === "string" ? at() : at("server"), message: what });
      return undefined;
    }
    family = found.family;
    version = found.version;
  } else if (typeof entry.family === "string" && families.includes(entry.family)) {
    family = entry.family as Family;
  }
  const config = typeof entry.config === "string" && entry.config !== "" ? readConfig(entry.config, file, at("config"), issues) : undefined;
  if (issues.length > before || family === undefined || (name === undefined && version === undefined)) return undefined;
  if (typeof entry.image === "string" && !IMAGE_RE.test(entry.image)) return undefined; // the schema reported it
  if (name !== undefined && !NAME_RE.test(name)) return undefined; // the schema reported it

  const server: ScenarioServer = {
    id: name ?? `${family}@${version}`,
    named: name !== undefined,
    family,
    optional: entry.optional === true,
  };
  if (version !== undefined) server.version = version;
  if (typeof entry.image === "string") server.image = entry.image;
  if (entry.layout === "debian" || entry.layout === "upstream") server.layout = entry.layout;
  if (config) server.config = config;
  return server;
}

export function checkServers(data: Record<string, unknown>, file: string, issues: RawIssue[]): ScenarioServer[] {
  const valid: ScenarioServer[] = [];
  if (!Array.isArray(data.servers)) return valid;
  const seen = new Map<string, number>();
  data.servers.forEach((item, i) => {
    const server = checkServer(item, i, file, issues);
    if (!server) return;
    const first = seen.get(server.id);
    if (first !== undefined) {
      issues.push(
        server.named
          ? { path: ["servers", i, "name"], message: `name "${server.id}" is used twice (already servers[${first}]); give each server its own name` }
          : {
              path: typeof item === "string" ? ["servers", i] : ["servers", i, "server"],
              message: `duplicate server "${server.id}" (already listed as servers[${first}]); list each server once, or give a second one a name`,
            },
      );
      return;
    }
    seen.set(server.id, i);
    valid.push(server);
  });
  return valid;
}
