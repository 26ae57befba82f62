// The operator's own ejabberd.yml as the base of a test instance's config.
//
// Their options are kept; the harness replaces what a cell needs and what
// cannot work in a throwaway container, each with a notice: hosts and
// host_config (their production domains: the test has its own hosts),
// certificates, CA files and DH parameter files (files on their machine),
// listeners (c2s on 5222 for the probe, s2s on 5269), authentication (the
// probe's accounts), databases (SQL/Redis are not part of the test: Mnesia),
// logging (the level the harness reads), ACME, included files.
// Their policy stays theirs: s2s_use_starttls, s2s_ciphers,
// s2s_protocol_options, s2s_access, s2s_tls_compression, their modules and
// access rules. Dialback is the cell's variable: mod_s2s_dialback is on for the
// hosts whose cell has dialback on (with their options for it), off elsewhere.
import { isMap, isNode, isScalar, LineCounter, parseDocument, YAMLMap, type Document, type Pair } from "yaml";
import { UsageError } from "../../core/errors.ts";
import { MAX_ALIAS_COUNT, toJSCapped } from "../../core/yaml-aliases.ts";

export type YamlMap = Record<string, unknown>;

/** Top-level options the harness sets itself. Value: why, for the notice. */
const OWNED: Record<string, string> = {
  hosts: "the test runs its own hosts",
  host_config: "it configures your hosts; the test runs its own",
  append_host_config: "it configures your hosts; the test runs its own",
  certfiles: "each test host has a certificate from the test CA",
  ca_file: "the test CA is the only trusted one",
  s2s_cafile: "the test CA is the only trusted one",
  c2s_cafile: "the test CA is the only trusted one",
  listen: "the test listens for c2s on 5222 and s2s on 5269",
  auth_method: "the probe's test accounts",
  auth_password_format: "the probe's test accounts",
  extauth_program: "the probe's test accounts",
  auth_use_cache: "the probe's test accounts",
  loglevel: "the harness reads info-level lines",
  log_rotate_count: "the harness reads the log",
  acme: "no certificate requests from a test",
  include_config_file: "those files are on your machine",
  default_db: "your database is not part of the test (Mnesia)",
  default_ram_db: "your database is not part of the test (Mnesia)",
};
/** Prefixes of options naming a database or a file on their machine. */
const DROPPED_PREFIXES: [RegExp, string][] = [
  [/^(sql|redis|ldap)_/, "your database/directory is not part of the test"],
  [/dhfile$/, "a file on your machine"],
  [/_db_type$/, "your database is not part of the test (Mnesia)"],
];

/** Policy options shown per cell, with ejabberd's default where the file does not set them. */
export const EJABBERD_POLICY: Record<string, string | undefined> = {
  s2s_use_starttls: "false",
  s2s_access: undefined,
  s2s_ciphers: undefined,
  s2s_protocol_options: undefined,
  s2s_tls_compression: undefined,
};

export interface EjabberdBase {
  /** Their file, without what the harness replaces; their comments, order, macros and anchors kept. */
  doc: Document;
  /** Their global modules without mod_s2s_dialback (a node of `doc`). */
  modules: YAMLMap;
  /** Their options for mod_s2s_dialback (used on the hosts with dialback on); undefined: they do not load it. */
  dialback?: unknown;
  /** Their options as plain values, for the settings shown per cell. */
  options: YamlMap;
  notices: string[];
}

/** Values of secrets stay out of notices (they go to the run's log). */
const SECRET = /pass|secret|key|token/i;

export function mergeEjabberdBase(file: string, text: string): EjabberdBase {
  const lc = new LineCounter();
  // Parsed as a document, not as plain values: integer keys (`5000: admin` in shaper_rules) must stay integers.
  const doc: Document = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lc.linePos(e.pos[0]);
    throw new UsageError(`${file}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split("\n")[0]}\n  fix: correct the file; ejabberd reads it with the same YAML rules`);
  }
  checkAliases(file, doc, lc);
  if (doc.contents === null) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new UsageError(`${file}:1: an ejabberd.yml is a map of options\n  fix: give your ejabberd.yml`);
  const top = doc.contents as YAMLMap;
  const lineOf = (pair: Pair): number => {
    const r = (pair.key as { range?: number[] })?.range;
    return r ? lc.linePos(r[0]).line : 1;
  };
  const notices: string[] = [];
  for (const pair of [...top.items]) {
    const k = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const v = isNode(pair.value) ? pair.value.toJSON() : pair.value;
    const dropped = OWNED[k] ?? DROPPED_PREFIXES.find(([re]) => re.test(k))?.[1];
    if (dropped) {
      top.delete(pair.key);
      if (!(k === "loglevel" && v === "info")) notices.push(`${file}:${lineOf(pair)}: ${k}${describe(k, v)} overridden: ${dropped}`);
      continue;
    }
    if (k === "modules") continue;
    const path = firstPath(v);
    if (path) notices.push(`${file}:${lineOf(pair)}: ${k} names ${JSON.stringify(path)}, a path on your machine: kept, but the container may not have it`);
  }
  const found = top.get("modules", true);
  const modules = isMap(found) ? found : new YAMLMap();
  const modulesLine = top.items.find((p) => isScalar(p.key) && p.key.value === "modules");
  let dialback: unknown;
  for (const pair of [...modules.items]) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (name === "mod_s2s_dialback") {
      dialback = pair.value ?? {};
      modules.delete(pair.key);
      continue;
    }
    if (!isMap(pair.value)) continue;
    for (const opt of [...pair.value.items]) {
      const k = String(isScalar(opt.key) ? opt.key.value : opt.key);
      const v = isNode(opt.value) ? opt.value.toJSON() : opt.value;
      const where = `${file}:${modulesLine ? lineOf(modulesLine) : 1}: ${name}: ${k}`;
      // Mnesia instead of their database: a module with db_type sql would find none.
      if (/db_type$/.test(k) && v !== "mnesia" && v !== "ram") {
        pair.value.delete(opt.key);
        notices.push(`${where}: ${String(v)} overridden: your database is not part of the test (Mnesia)`);
        continue;
      }
      const path = firstPath(v);
      if (path) notices.push(`${where} names ${JSON.stringify(path)}, a path on your machine: kept, but the container may not have it`);
    }
  }
  return { doc, modules, dialback, options: (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as YamlMap, notices };
}

/** An alias bomb or an alias without its anchor is bad input (exit 2) at the alias's line, not a crash. */
function checkAliases(file: string, doc: Document, lc: LineCounter): void {
  const r = toJSCapped(doc);
  if (!("refusal" in r)) return;
  const pos = lc.linePos(r.refusal.offset);
  throw new UsageError(`${file}:${pos.line}:${pos.col}: ${r.refusal.message}\n  fix: ${r.refusal.fix}`);
}

const describe = (k: string, v: unknown): string => {
  if (v === null || typeof v === "object" || SECRET.test(k)) return "";
  const s = String(v);
  return `: ${s.length > 50 ? s.slice(0, 47) + "..." : s}`;
};

function firstPath(v: unknown): string | undefined {
  if (typeof v === "string") return /^\/[\w.-]/.test(v) ? v : undefined;
  if (v && typeof v === "object") for (const x of Object.values(v)) {
    const p = firstPath(x);
    if (p) return p;
  }
  return undefined;
}

/** The settings in force: their value, else ejabberd's default. */
export function ejabberdPolicySettings(options: YamlMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(EJABBERD_POLICY)) {
    if (name in options) out[name] = `${show(options[name])} (your config)`;
    else if (def !== undefined) out[name] = `${def} (ejabberd default)`;
  }
  return out;
}

const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
