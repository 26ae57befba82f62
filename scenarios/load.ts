// Reads a scenario file: YAML → JSON Schema (scenario.schema.json, via ajv) → checks
// the schema cannot express (catalog, duplicates, selectors) → a normalised Scenario.
// Every problem becomes one line `file:line:col: field.path: what is wrong; what is allowed`,
// and all of them are thrown together as one ScenarioError (a UsageError, exit 2).
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Alias, type Document } from "yaml";
import { CATALOG, findEntry, serverKey, type Family } from "../harness/servers/catalog.ts";
import { UsageError } from "../core/errors.ts";
import type { Dialback, ProfileName } from "../core/types.ts";
import type { CertificatePair, ExpectRule, Scenario, ScenarioServer, SidedValues } from "./model.ts";
import { matchesSelector, parseSelector, selects, type SelectableServer } from "./versions.ts";

/** Larger scenario files are refused unread: a real one is a few KiB, and YAML parsing costs ~80× its size in memory. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** YAML aliases may expand to at most this many nodes (yaml's maxAliasCount): a billion-laughs file ends at once. */
export const MAX_ALIAS_COUNT = 100;

/** Absolute path of the published JSON Schema. */
export const SCHEMA_PATH = fileURLToPath(new URL("./scenario.schema.json", import.meta.url));
/** The published JSON Schema (draft-07). */
export const SCENARIO_SCHEMA: AnySchemaObject = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));

/** One problem in a scenario file. */
export interface ScenarioIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Field path such as `expect.rules[0].receiver`; "" for the document itself. */
  path: string;
  message: string;
}

export const formatIssue = (i: ScenarioIssue): string =>
  `${i.file}:${i.line}:${i.col}: ${i.path ? `${i.path}: ` : ""}${i.message}`;

/** Everything wrong with a scenario file, one issue per line of the message. */
export class ScenarioError extends UsageError {
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ScenarioError";
  }
}

// ---------------------------------------------------------------------------
// Paths and positions

type Path = (string | number)[];

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

interface Located {
  offset: number;
}

/**
 * The offset of the YAML node at `path` (or of its key when `atKey`); when the
 * path does not exist in the document, the deepest ancestor that does.
 */
function locate(doc: Document, path: Path, atKey = false): Located {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let node: any = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      const key = pair.key as { range?: [number, number, number] } | null;
      const last = i === path.length - 1;
      if (last && atKey && key?.range) return { offset: key.range[0] };
      const value = pair.value as { range?: [number, number, number] } | null;
      if (!value?.range) {
        // `key:` with no value: point at the key.
        if (key?.range) offset = key.range[0];
        break;
      }
      node = value;
      offset = value.range[0];
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as { range?: [number, number, number] } | undefined;
      if (!item?.range) break;
      node = item;
      offset = item.range[0];
    } else {
      break;
    }
  }
  return { offset };
}

// ---------------------------------------------------------------------------
// Wording

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  boolean: "true or false",
  number: "a number",
  integer: "an integer",
  null: "nothing",
};

function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(" or ");
}

/** A string as JSON, cut short when long: a message must stay one readable line. */
const quoteString = (v: string): string => (v.length > 80 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v));

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (isObject(v)) return "a mapping";
  if (typeof v === "string") return `string ${quoteString(v)}`;
  return `${typeof v} ${String(v)}`;
}

const quote = (v: unknown): string => (typeof v === "string" ? quoteString(v) : String(v));

function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** `; did you mean "x"?` for a near miss, else "". */
function suggest(found: unknown, allowed: readonly unknown[]): string {
  if (typeof found !== "string") return "";
  const norm = (s: string) => s.toLowerCase().replace(/[_\s]/g, "-");
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    if (typeof a !== "string") continue;
    const d = norm(found) === norm(a) ? 0 : distance(found.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(found.length / 4)) ? `; did you mean ${JSON.stringify(best)}?` : "";
}

const catalogKeys = (): string[] => CATALOG.map(serverKey);
const catalogFamilies = (): string[] => [...new Set(CATALOG.map((e) => e.family as string))];

const MATRIX_FIELDS = new Set(["servers", "certificates", "dialback"]);

// ---------------------------------------------------------------------------
// Schema validation

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
const validateScenario: ValidateFunction = ajv.compile(SCENARIO_SCHEMA);
const branchValidators = new WeakMap<object, ValidateFunction>();

/** A validator for one branch of a oneOf/anyOf, with the schema's definitions in reach. */
function branchValidator(branch: AnySchemaObject): ValidateFunction {
  let v = branchValidators.get(branch);
  if (!v) {
    v = ajv.compile({ definitions: SCENARIO_SCHEMA.definitions, allOf: [branch] });
    branchValidators.set(branch, v);
  }
  return v;
}

function resolveRef(schema: unknown): AnySchemaObject | undefined {
  let s = schema as AnySchemaObject | undefined;
  for (let i = 0; i < 10 && s && typeof s.$ref === "string"; i++) {
    const m = /^#\/definitions\/([^/]+)$/.exec(s.$ref);
    s = m ? (SCENARIO_SCHEMA.definitions?.[m[1]] as AnySchemaObject | undefined) : undefined;
  }
  return s;
}

/** The JSON types a schema accepts, if it says. */
function schemaTypes(schema: AnySchemaObject | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonType))];
  return undefined;
}

const typeMatches = (types: string[] | undefined, t: string): boolean =>
  !types || types.includes(t) || (t === "integer" && types.includes("number"));

interface RawIssue {
  /** The field the message is about. */
  path: Path;
  /** Position at this key instead of at `path`'s value. */
  keyPath?: Path;
  message: string;
}

function segments(instancePath: string, root: unknown): Path {
  if (instancePath === "") return [];
  const out: Path = [];
  let cur: unknown = root;
  for (const raw of instancePath.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

const under = (p: string, parent: string): boolean => p === parent || p.startsWith(`${parent}/`);

function translateErrors(errors: ErrorObject[], root: unknown, base: Path, out: RawIssue[]): void {
  // A failed oneOf reports every branch's errors; keep only the branch the value was meant for.
  const branching = errors
    .filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")
    .sort((a, b) => a.instancePath.length - b.instancePath.length);
  const handled: string[] = [];
  for (const e of branching) {
    if (handled.some((h) => under(e.instancePath, h))) continue;
    handled.push(e.instancePath);
    translateBranching(e, root, base, out);
  }
  for (const e of errors) {
    if (e.keyword === "oneOf" || e.keyword === "anyOf") continue;
    if (handled.some((h) => under(e.instancePath, h))) continue;
    translateOne(e, root, base, out);
  }
}

function translateBranching(e: ErrorObject, root: unknown, base: Path, out: RawIssue[]): void {
  const path = [...base, ...segments(e.instancePath, root)];
  const branches = (Array.isArray(e.schema) ? e.schema : []) as AnySchemaObject[];
  const t = jsonType(e.data);
  const candidates = branches.filter((b) => typeMatches(schemaTypes(resolveRef(b)), t));
  if (candidates.length === 0) {
    const wanted = branches.map((b) => {
      const r = resolveRef(b);
      const words = typeWords(schemaTypes(r) ?? "value");
      return r?.title && r.title !== (e.parentSchema as AnySchemaObject | undefined)?.title ? `${words} (${r.title})` : words;
    });
    out.push({ path, message: `expected ${[...new Set(wanted)].join(" or ")}, found ${describe(e.data)}` });
    return;
  }
  let best: ErrorObject[] | undefined;
  for (const b of candidates) {
    const v = branchValidator(b);
    const errs = v(e.data) ? [] : [...(v.errors ?? [])];
    if (!best || errs.length < best.length) best = errs;
  }
  if (best && best.length > 0) translateErrors(best, e.data, path, out);
  else if (e.keyword === "oneOf") out.push({ path, message: `ambiguous value ${describe(e.data)}` });
}

function translateOne(e: ErrorObject, root: unknown, base: Path, out: RawIssue[]): void {
  const path = [...base, ...segments(e.instancePath, root)];
  const parent = (e.parentSchema ?? {}) as AnySchemaObject;
  const title: string | undefined = parent.title;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const missing = String(p.missingProperty);
      out.push({ path, message: `missing required key "${missing}"` });
      return;
    }
    case "additionalProperties": {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      // Reported against the mapping that holds the key, positioned at the key itself.
      out.push({
        path,
        keyPath: [...path, key],
        message: `unknown key "${key}"; allowed keys: ${allowed.join(", ")}${suggest(key, allowed)}`,
      });
      return;
    }
    case "type":
      out.push({ path, message: `expected ${typeWords(p.type)}${title ? ` (${title})` : ""}, found ${describe(e.data)}` });
      return;
    case "enum": {
      const allowed = (p.allowedValues ?? []) as unknown[];
      const list = allowed.map((a) => String(a)).join(", ");
      if (e.data !== null && typeof e.data === "object") {
        out.push({ path, message: `expected ${title ?? "one of"}: ${list}; found ${describe(e.data)}` });
      } else {
        out.push({ path, message: `unknown ${title ?? "value"} ${quote(e.data)}; allowed: ${list}${suggest(e.data, allowed)}` });
      }
      return;
    }
    case "pattern": {
      let message = `invalid ${title ?? "value"} ${quote(e.data)}; expected ${parent.description ?? `text matching ${String(p.pattern)}`}`;
      if (title === "server") message += `; known servers: ${catalogKeys().join(", ")}`;
      if (title === "server name" && typeof e.data === "string" && e.data.includes("@")) {
        // family@version is what an unnamed server is called: a name must never be mistaken for one.
        message = `invalid server name ${quote(e.data)}: family@version is how an unnamed server is called, so a name cannot be one; pick a name without "@", e.g. ours`;
      }
      out.push({ path, message });
      return;
    }
    case "minItems": {
      const matrix = typeof path[0] === "string" && MATRIX_FIELDS.has(path[0]);
      const message = matrix
        ? `empty list: the matrix would have no cells; give at least one ${path[0] === "servers" ? "server" : path[0] === "certificates" ? "certificate profile" : "dialback setting"}`
        : title === "outcomes"
          ? `a list of outcomes needs at least two (any of them meets the rule); write a single outcome without brackets, e.g. outcome: ${String((e.data as unknown[])[0] ?? "fails")}`
          : `must have at least ${String(p.limit)} item(s)`;
      out.push({ path, message });
      return;
    }
    case "minLength":
      out.push({ path, message: `must not be empty` });
      return;
    case "maxLength":
      out.push({ path, message: `is ${(e.data as string).length} characters long; at most ${String(p.limit)} allowed` });
      return;
    case "uniqueItems": {
      const i = Number(p.i);
      const j = Number(p.j);
      const later = Math.max(i, j);
      out.push({
        path: [...path, later],
        message: `duplicate entry ${quote((e.data as unknown[])[later])} (same as ${formatPath([...path, Math.min(i, j)])})`,
      });
      return;
    }
    default:
      out.push({ path, message: `${e.message ?? "invalid"}${e.data !== undefined ? `, found ${describe(e.data)}` : ""}` });
  }
}

// ---------------------------------------------------------------------------
// Checks the schema cannot express

const SERVER_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverId?.pattern));
const NAME_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverName?.pattern));
const IMAGE_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.serverEntry?.oneOf?.[1]?.properties?.image?.pattern));
const SELECTOR_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.selector?.pattern));
const PROFILES: readonly string[] = SCENARIO_SCHEMA.definitions?.profile?.enum ?? [];

const normDialback = (v: unknown): Dialback | undefined =>
  v === true || v === "on" ? "on" : v === false || v === "off" ? "off" : undefined;

interface Semantic {
  issues: RawIssue[];
  /** Valid servers with unique names. */
  servers: ScenarioServer[];
}

/** The scenario's servers as rule selectors see them. */
const selectable = (s: ScenarioServer): SelectableServer => ({ name: s.id, family: s.family, version: s.version });

/** A `config:` file is refused above this size unread: real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Where a `config:` file may be: under the scenario file's directory (after symlinks
 * are followed), so that a scenario from elsewhere cannot make a run read
 * /etc/shadow into a container; the operator opts other directories in with
 * S2S_MATRIX_CONFIG_DIRS (separated by the OS's path delimiter).
 */
function configRoots(scenarioFile: string): string[] {
  const extra = (process.env.S2S_MATRIX_CONFIG_DIRS ?? "").split(delimiter).filter(Boolean);
  return [dirname(scenarioFile), ...extra].map((d) => {
    try {
      return realpathSync(d);
    } catch {
      return resolve(d);
    }
  });
}

const within = (root: string, file: string): boolean => {
  const rel = relative(root, file);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
};

/** Reads a `config:` file relative to the scenario file; undefined (with an issue) when it cannot or may not be read. */
function readConfig(config: string, scenarioFile: string, path: Path, issues: RawIssue[]): ScenarioServer["config"] {
  const file = isAbsolute(config) ? config : join(dirname(scenarioFile), config);
  const refuse = (message: string) => (issues.push({ path, message }), undefined);
  try {
    const real = realpathSync(file);
    const roots = configRoots(scenarioFile);
    if (!roots.some((r) => within(r, real))) {
      return refuse(
        `config ${quote(config)} (${real}) is outside the scenario file's directory ${roots[0]}; ` +
          `put it there, or allow its directory: S2S_MATRIX_CONFIG_DIRS=${dirname(real)}`,
      );
    }
    // O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it (and devices) unread.
    const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) return refuse(`config ${quote(config)} is a directory (${resolve(file)}); give the server's configuration file`);
      if (!st.isFile()) return refuse(`config ${quote(config)} (${real}) is not a regular file; give the server's configuration file`);
      if (st.size > MAX_CONFIG_BYTES) {
        return refuse(`config ${quote(config)} is ${(st.size / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config file may have`);
      }
      return { file, text: readFileSync(fd, "utf8") };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(
      code === "ENOENT"
        ? `config file ${quote(config)} not found (looked for ${resolve(file)}); the path is relative to the scenario file`
        : `cannot read config file ${quote(config)} (${resolve(file)}): ${(err as Error).message}`,
    );
  }
}

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

function checkServers(data: Record<string, unknown>, file: string, issues: RawIssue[]): ScenarioServer[] {
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

function checkDuplicates(
  list: unknown,
  path: Path,
  what: string,
  normalise: (v: unknown) => string | undefined,
  issues: RawIssue[],
): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const v = normalise(item);
    if (v === undefined) return;
    const first = seen.get(v);
    if (first !== undefined) {
      const scalars = !isObject(list[first]) && !isObject(item);
      const same = scalars && quote(list[first]) !== quote(item) ? ` (${quote(list[first])} and ${quote(item)} mean the same)` : "";
      issues.push({ path: [...path, i], message: `duplicate ${what} "${v}"${same}; already ${formatPath([...path, first])}` });
    } else {
      seen.set(v, i);
    }
  });
}

const normProfile = (v: unknown): string | undefined => (typeof v === "string" && PROFILES.includes(v) ? v : undefined);

/** A certificates list item as one key: "p" for a profile on both sides (or {initiator: p, receiver: p}), "i→r" otherwise. */
function normCertificateItem(v: unknown): string | undefined {
  if (!isObject(v)) return normProfile(v);
  const i = normProfile(v.initiator);
  const r = normProfile(v.receiver);
  return i === undefined || r === undefined ? undefined : i === r ? i : `${i}→${r}`;
}

function checkCertificates(data: Record<string, unknown>, issues: RawIssue[]): void {
  const value = data.certificates;
  if (Array.isArray(value)) {
    const what = value.every((v) => typeof v === "string") ? "certificate profile" : "certificate combination";
    checkDuplicates(value, ["certificates"], what, normCertificateItem, issues);
  } else if (isObject(value)) {
    for (const key of ["initiator", "receiver", "vary"]) checkDuplicates(value[key], ["certificates", key], "certificate profile", normProfile, issues);
  }
}

function checkDialback(data: Record<string, unknown>, issues: RawIssue[]): void {
  const value = data.dialback;
  if (Array.isArray(value)) checkDuplicates(value, ["dialback"], "dialback setting", normDialback, issues);
  else if (isObject(value)) {
    checkDuplicates(value.initiator, ["dialback", "initiator"], "dialback setting", normDialback, issues);
    checkDuplicates(value.receiver, ["dialback", "receiver"], "dialback setting", normDialback, issues);
  }
}

function checkSelector(text: unknown, path: Path, servers: ScenarioServer[], serversOk: boolean, issues: RawIssue[]): void {
  if (typeof text !== "string" || !SELECTOR_RE.test(text)) return; // the schema reported it
  let sel;
  try {
    sel = parseSelector(text);
  } catch (err) {
    issues.push({ path, message: (err as Error).message });
    return;
  }
  if (sel.family === undefined) return;
  const names = servers.filter((s) => s.named).map((s) => s.id);
  if (!sel.range && names.includes(sel.text)) return; // a server's name
  const families = catalogFamilies();
  if (!families.includes(sel.family)) {
    const named = names.length ? `; server names: ${names.join(", ")}` : "";
    issues.push({
      path,
      message: `unknown server ${names.length ? "family or name" : "family"} "${sel.family}" in selector "${text}"; known families: ${families.join(", ")}${named}${suggest(sel.family, [...families, ...names])}`,
    });
    return;
  }
  if (!serversOk || servers.length === 0) return;
  // A named server's version changes with each bump it is gated across: a rule about other
  // versions of its family (`receiver: ejabberd@<25.07`) stays meaningful when it matches none.
  if (servers.some((s) => s.named && s.family === sel.family)) return;
  if (!servers.some((s) => selects(sel, selectable(s)))) {
    const same = servers.filter((s) => s.family === sel.family);
    const list = (xs: ScenarioServer[]) => xs.map((s) => (s.named ? `${s.id} (${s.version ? `${s.family}@${s.version}` : `${s.family} image, version unknown until it runs`})` : s.id)).join(", ");
    issues.push({
      path,
      message: `"${text}" matches none of the scenario's servers; ${
        same.length ? `its ${sel.family} servers are ${list(same)}` : `it has no ${sel.family} server (servers: ${list(servers)})`
      }`,
    });
  }
}

function semanticChecks(data: Record<string, unknown>, file: string): Semantic {
  const issues: RawIssue[] = [];
  const before = issues.length;
  const servers = checkServers(data, file, issues);
  const serversOk = issues.length === before && Array.isArray(data.servers) && servers.length === data.servers.length;

  checkCertificates(data, issues);
  checkDialback(data, issues);

  if (data.pairs === "cross" && serversOk && servers.length === 1) {
    issues.push({
      path: ["pairs"],
      message: `"cross" skips a server paired with itself, and the scenario has only ${servers[0].id}: the matrix would have no cells; add a server or use pairs: all`,
    });
  }

  const expect = data.expect;
  if (isObject(expect) && Array.isArray(expect.rules)) {
    expect.rules.forEach((rule, i) => {
      if (!isObject(rule)) return;
      const base: Path = ["expect", "rules", i];
      if (rule.certificate !== undefined && rule.initiator_certificate !== undefined) {
        issues.push({
          path: base,
          keyPath: [...base, "initiator_certificate"],
          message: `set either "certificate" or "initiator_certificate" (they mean the same: the initiator's profile), not both`,
        });
      }
      if (rule.outcome === "one-way" && rule.ping === "ok") {
        issues.push({
          path: [...base, "ping"],
          message: `"one-way" means the ping's reply does not come back, so "ping: ok" contradicts it; drop ping (or use ping: fails)`,
        });
      }
      for (const side of ["initiator", "receiver"] as const) {
        if (rule[side] !== undefined) checkSelector(rule[side], [...base, side], servers, serversOk, issues);
      }
    });
  }
  return { issues, servers };
}

// ---------------------------------------------------------------------------
// Building the Scenario

function sided<T>(value: unknown, norm: (v: unknown) => T): SidedValues<T> {
  if (Array.isArray(value)) {
    const list = value.map(norm);
    return { initiator: list, receiver: [...list], symmetric: true };
  }
  const o = value as { initiator: unknown[]; receiver: unknown[] };
  return { initiator: o.initiator.map(norm), receiver: o.receiver.map(norm), symmetric: false };
}

/** Every form of `certificates` as its (initiator, receiver) combinations, in file order, each once. */
export function certificatePairs(value: unknown): CertificatePair[] {
  let pairs: CertificatePair[];
  if (Array.isArray(value)) {
    pairs = value.map((v) => (isObject(v) ? (v as unknown as CertificatePair) : { initiator: v as ProfileName, receiver: v as ProfileName }));
  } else if (isObject(value) && Array.isArray(value.vary)) {
    // One side at a time against the control: the initiator's profiles first, then the receiver's.
    const against = value.against as ProfileName;
    const vary = value.vary as ProfileName[];
    pairs = [...vary.map((p) => ({ initiator: p, receiver: against })), ...vary.map((p) => ({ initiator: against, receiver: p }))];
  } else {
    const o = value as { initiator: ProfileName[]; receiver: ProfileName[] };
    pairs = o.initiator.flatMap((initiator) => o.receiver.map((receiver) => ({ initiator, receiver })));
  }
  const seen = new Set<string>();
  return pairs
    .map(({ initiator, receiver }) => ({ initiator, receiver }))
    .filter((p) => {
      const k = `${p.initiator}\n${p.receiver}`;
      return !seen.has(k) && (seen.add(k), true);
    });
}

function buildRule(raw: Record<string, unknown>, index: number, line: number | undefined): ExpectRule {
  const outcomes = (Array.isArray(raw.outcome) ? raw.outcome : [raw.outcome]) as ExpectRule["outcome"][];
  const r: ExpectRule = { index, outcome: outcomes[0] };
  if (outcomes.length > 1) r.anyOf = outcomes;
  if (line !== undefined) r.line = line;
  if (typeof raw.initiator === "string") r.initiator = raw.initiator.trim();
  if (typeof raw.receiver === "string") r.receiver = raw.receiver.trim();
  const ic = raw.certificate ?? raw.initiator_certificate;
  if (ic !== undefined) r.initiatorCertificate = ic as ProfileName;
  if (raw.receiver_certificate !== undefined) r.receiverCertificate = raw.receiver_certificate as ProfileName;
  if (raw.dialback !== undefined) r.dialback = normDialback(raw.dialback);
  if (raw.initiator_dialback !== undefined) r.initiatorDialback = normDialback(raw.initiator_dialback);
  if (raw.receiver_dialback !== undefined) r.receiverDialback = normDialback(raw.receiver_dialback);
  if (raw.ping !== undefined) r.ping = raw.ping as ExpectRule["ping"];
  if (raw.auth !== undefined) r.auth = raw.auth as ExpectRule["auth"];
  if (raw.reason !== undefined) r.reason = raw.reason as string;
  return r;
}

function build(file: string, data: Record<string, unknown>, servers: ScenarioServer[], doc: Document, lines: LineCounter): Scenario {
  servers.forEach((s, i) => (s.line = lines.linePos(locate(doc, ["servers", i]).offset).line));
  const expect = data.expect as { default: Scenario["expect"]["default"]; rules?: Record<string, unknown>[] };
  const scenario: Scenario = {
    file,
    name: data.name as string,
    servers,
    certificates: certificatePairs(data.certificates),
    dialback: sided(data.dialback, (v) => normDialback(v) as Dialback),
    pairs: (data.pairs as Scenario["pairs"] | undefined) ?? "all",
    tolerate: ((data.tolerate as "error"[] | undefined) ?? []).slice(),
    expect: {
      default: expect.default,
      rules: (expect.rules ?? []).map((r, i) => buildRule(r, i, lines.linePos(locate(doc, ["expect", "rules", i]).offset).line)),
    },
  };
  if (typeof data.description === "string") scenario.description = data.description;
  return scenario;
}

// ---------------------------------------------------------------------------
// Entry points

/** Parses and validates scenario text; `file` is used in messages and as Scenario.file. Throws ScenarioError. */
export function parseScenario(text: string, file: string): Scenario {
  if (text.length > MAX_SCENARIO_BYTES) throw tooLarge(file, Buffer.byteLength(text));
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: Path, message: string): ScenarioIssue => {
    const pos = lines.linePos(offset);
    return { file, line: Math.max(1, pos.line), col: Math.max(1, pos.col), path: formatPath(path), message };
  };

  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => at(e.pos[0], [], `YAML syntax error: ${e.message.split("\n")[0]}`)));
  }
  if (doc.contents === null) {
    const required = (SCENARIO_SCHEMA.required as string[]).join(", ");
    throw new ScenarioError([at(0, [], `the file is empty; a scenario is a mapping with ${required}`)]);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a bare ReferenceError for an alias bomb and for an alias without its anchor.
    if (!(err instanceof ReferenceError)) throw err;
    throw new ScenarioError([aliasIssue(doc, err, at)]);
  }
  const raw: RawIssue[] = [];
  if (!validateScenario(data)) translateErrors(validateScenario.errors ?? [], data, [], raw);
  const semantic = isObject(data) ? semanticChecks(data, file) : undefined;
  if (semantic) raw.push(...semantic.issues);

  if (raw.length > 0) {
    const issues = raw.map((r) => at(r.keyPath ? locate(doc, r.keyPath, true).offset : locate(doc, r.path).offset, r.path, r.message));
    const seen = new Set<string>();
    const unique = issues
      .map((issue, order) => ({ issue, order }))
      .sort((a, b) => a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.order - b.order)
      .map((x) => x.issue)
      .filter((i) => {
        const k = formatIssue(i);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    throw new ScenarioError(unique);
  }
  return build(file, data as Record<string, unknown>, semantic!.servers, doc, lines);
}

/** The alias yaml refused, positioned: the one without an anchor, else (too many nodes) the first alias. */
function aliasIssue(doc: Document, err: ReferenceError, at: (offset: number, path: Path, message: string) => ScenarioIssue): ScenarioIssue {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_, node) => void aliases.push(node) });
  const unresolved = /^Unresolved alias/.test(err.message) ? aliases.find((a) => a.resolve(doc) === undefined) : undefined;
  const alias = unresolved ?? aliases[0];
  const offset = alias?.range?.[0] ?? 0;
  if (unresolved) return at(offset, [], `YAML alias *${unresolved.source} has no anchor &${unresolved.source} before it`);
  return at(
    offset,
    [],
    `YAML aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT}; ${aliases.length} aliases in the file): refused as a resource-exhaustion risk; write the values out instead of nesting aliases`,
  );
}

/** Reads, parses and validates a scenario file. Throws a UsageError (ScenarioError for content problems). */
/** `bytes` when known (a regular file's size), else the file only went on past the limit. */
const tooLarge = (file: string, bytes?: number): ScenarioError =>
  new ScenarioError([
    {
      file,
      line: 1,
      col: 1,
      path: "",
      message: `the file is larger than ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB${bytes ? ` (${(bytes / 1024 / 1024).toFixed(1)} MiB)` : ""}, the most a scenario file may have; split it into several files`,
    },
  ]);

/** The file's text; a file (or device, or pipe) longer than MAX_SCENARIO_BYTES is refused unread. */
async function readCapped(file: string): Promise<string> {
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    if (size > MAX_SCENARIO_BYTES) throw tooLarge(file, size);
    const buf = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = await fh.read(buf, n, buf.length - n)).bytesRead > 0; ) n += r.bytesRead;
    if (n > MAX_SCENARIO_BYTES) throw tooLarge(file);
    return buf.toString("utf8", 0, n);
  } finally {
    await fh.close();
  }
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readCapped(file);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const abs = resolve(file);
    const where = abs === file ? "" : ` (looked for ${abs})`;
    if (code === "ENOENT") throw new UsageError(`${file}: scenario file not found${where}`);
    if (code === "EISDIR") throw new UsageError(`${file}: is a directory, not a scenario file`);
    throw new UsageError(`${file}: cannot read scenario file: ${(err as Error).message}`);
  }
  return parseScenario(text, file);
}
