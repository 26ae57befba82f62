// The operator's own prosody.cfg.lua as the base of a test instance's config.
//
// Their global section is kept as written, in order; the harness then appends
// what a cell needs (Prosody reads options as "last assignment wins" within a
// section) and its own VirtualHosts. What cannot work in a throwaway container
// is commented out in place, each with a notice:
// - their VirtualHost and Component sections (their production domains: the
//   test has its own hosts), Include/RunScript (files on their machine), values
//   read from files (FileContents, FileLine(s), Credential);
// - paths and process settings the harness owns: pidfile, data_path, log,
//   plugin paths, storage and authentication (the probe's accounts are files the
//   harness writes), certificates and the certificate/key paths inside `ssl`
//   tables, listening interfaces and ports.
// Their policy stays theirs: s2s_secure_auth, s2s_require_encryption,
// s2s_insecure_domains, s2s_secure_domains, TLS options (ssl protocol/ciphers,
// tls_profile), their modules. Dialback is the cell's variable: the scenario's
// per-host setting always wins over their modules_enabled/modules_disabled.
import { isTable, luaList, readLuaConfig, utf8, showLua, strings, type LuaStatement, type LuaValue } from "./lua-config.ts";

/** Options the harness sets itself; theirs are commented out. Value: why, for the notice. */
const OWNED: Record<string, string> = {
  daemonize: "the harness runs Prosody in the foreground",
  pidfile: "the container has its own",
  data_path: "the container's data directory, where the probe's accounts are",
  log: "logs go to the console, which the harness reads",
  plugin_paths: "a path on your machine; modules installed there are not in the container",
  installer_plugin_path: "a path on your machine",
  authentication: "the probe's test accounts (internal_plain files)",
  storage: "the probe's accounts are files; your database is not part of the test",
  default_storage: "the probe's accounts are files; your database is not part of the test",
  sql: "your database is not part of the test",
  certificates: "each test host has its own certificate from the test CA",
  interfaces: "the container listens on all its interfaces",
  local_interfaces: "the container listens on all its interfaces",
  c2s_interfaces: "the container listens on all its interfaces",
  s2s_interfaces: "the container listens on all its interfaces",
  c2s_ports: "the probe connects on 5222",
  s2s_ports: "servers connect to each other on 5269",
};

/** Modules the probe needs on every host (TLS, c2s login, XEP-0199 ping, presence). */
export const PROBE_MODULES = ["tls", "saslauth", "disco", "ping", "roster"];
/** Keys of an `ssl` table that name files on their machine. */
const SSL_PATHS = ["certificate", "key", "cafile", "capath", "dhparam"];
/** Config functions that read files on their machine. */
const FILE_READERS = ["filecontents", "fileline", "filelines", "credential"];

/** Policy options shown per cell, with Prosody's own default where the file does not set them. */
export const PROSODY_POLICY: Record<string, string | undefined> = {
  s2s_secure_auth: "false",
  s2s_require_encryption: "true",
  s2s_insecure_domains: undefined,
  s2s_secure_domains: undefined,
  tls_profile: undefined,
};

export interface ProsodyBase {
  /** Their global section, with what the harness replaces commented out. */
  global: string;
  modulesEnabled: string[];
  modulesDisabled: string[];
  /** Whether their modules make dialback available (enabled and not disabled). */
  dialback: boolean;
  /** Keyed fields of their global `ssl` table without paths, verbatim (`protocol = "tlsv1_2+"`). */
  sslFields: string[];
  /** Their other `*_ssl` tables without paths, re-emitted: name → Lua source. */
  otherSsl: Record<string, string>;
  /** Policy in force: option → value as written (undefined = not set). */
  policy: Record<string, LuaValue | undefined>;
  notices: string[];
}

/** Text as the byte string the edits work on. */
const bytes = (text: string): string => Buffer.from(text, "utf8").toString("latin1");

const where = (file: string, s: LuaStatement) => `${file}:${s.line}`;

/** What the merge collects while it reads their statements. */
interface Merging {
  file: string;
  notices: string[];
  /** [start, end, replacement] edits on their text, applied back to front. */
  edits: [number, number, string][];
  modulesEnabled?: string[];
  modulesDisabled: string[];
  sslFields: string[];
  otherSsl: Record<string, string>;
  policy: Record<string, LuaValue | undefined>;
}

const comment = (m: Merging, s: LuaStatement, why: string) => void m.edits.push([s.range[0], s.range[1], `--[s2s-matrix] ${why}`]);

export function mergeProsodyBase(file: string, source: string): ProsodyBase {
  const cfg = readLuaConfig(file, source);
  const text = cfg.text; // byte string: the statements' ranges index into it
  const m: Merging = { file, notices: [], edits: [], modulesDisabled: [], sslFields: [], otherSsl: {}, policy: {} };
  const st = cfg.statements;
  for (let i = 0; i < st.length; i++) {
    if (st[i].scope.kind !== "global") i = leaveOutSection(m, st, i, text.length);
    else onGlobal(m, st[i]);
  }
  const global = applyEdits(text, m.edits);
  const { enabled, disabled } = probeModules(m);
  return {
    global: utf8(global),
    modulesEnabled: enabled,
    modulesDisabled: disabled,
    dialback: enabled.includes("dialback") && !disabled.includes("dialback"),
    sslFields: m.sslFields,
    otherSsl: m.otherSsl,
    policy: m.policy,
    notices: m.notices,
  };
}

/**
 * Their VirtualHost or Component section at `i`, from its opening statement to the
 * next scope switch (comments included), commented out with a notice of what it set.
 * Returns the index of its last statement.
 */
function leaveOutSection(m: Merging, st: LuaStatement[], i: number, textLength: number): number {
  const s = st[i];
  const scope = s.scope;
  if (scope.kind === "global") return i;
  let j = i;
  while (j + 1 < st.length && st[j + 1].scope === s.scope) j++;
  const end = j + 1 < st.length ? st[j + 1].range[0] : textLength;
  const set = st.slice(i + 1, j + 1).flatMap((x) =>
    x.option ? [x.option.name] : x.directive ? [`${x.directive.name === "include" ? "Include" : x.directive.name} ${x.directive.args.map((a) => JSON.stringify(a)).join(" ")}`] : [],
  );
  const kind = scope.kind === "host" ? "VirtualHost" : "Component";
  const hint = scope.kind === "host" ? ": set them in the global section to test them" : "";
  m.edits.push([s.range[0], end, `--[s2s-matrix] ${kind} ${JSON.stringify(scope.name)} (lines ${s.line}-${st[j].line}) left out\n`]);
  m.notices.push(
    `${where(m.file, s)}: ${kind} "${scope.name}" left out: the test runs its own hosts` +
      (set.length ? `; what it sets (${set.join(", ")}) does not apply${hint}` : ""),
  );
  return j;
}

/** One statement of their global section: left out, owned by the harness, merged, or kept. */
function onGlobal(m: Merging, s: LuaStatement): void {
  const { file } = m;
  if (s.directive && ["include", "runscript"].includes(s.directive.name)) {
    comment(m, s, `${s.directive.name} left out`);
    m.notices.push(`${where(file, s)}: ${s.directive.name === "include" ? "Include" : "RunScript"} ${s.directive.args.map((a) => JSON.stringify(a)).join(" ")} left out: that file is on your machine, not in the test; put what matters into this file`);
    return;
  }
  if (s.directive && ["virtualhost", "host"].includes(s.directive.name)) return comment(m, s, `back to the global section`); // Host "*"
  const o = s.option;
  if (!o) return;
  const reads = o.calls.filter((c) => FILE_READERS.includes(c.toLowerCase()));
  if (reads.length) {
    comment(m, s, `${o.name} left out: reads a file`);
    m.notices.push(`${where(file, s)}: ${o.name} left out: ${reads[0]}() reads a file on your machine`);
    return;
  }
  if (o.name in OWNED) {
    comment(m, s, `${o.name} set by the harness below`);
    // Values of secrets (a database password) stay out of the run's log.
    const shown = /pass|secret|key|token/i.test(o.source) ? "" : ` = ${clip(o.source)}`;
    m.notices.push(`${where(file, s)}: ${o.name}${shown} overridden: ${OWNED[o.name]}`);
    return;
  }
  if (o.name === "modules_enabled" || o.name === "modules_disabled") return onModules(m, s);
  if (o.name === "ssl" || o.name.endsWith("_ssl")) return onSsl(m, s);
  if (o.name in PROSODY_POLICY) m.policy[o.name] = o.value;
  // Anything else is kept; a path in it may not exist in the container.
  const path = firstPath(o.value);
  if (path) m.notices.push(`${where(file, s)}: ${o.name} names ${JSON.stringify(path)}, a path on your machine: kept, but the container may not have it`);
}

/** modules_enabled / modules_disabled: commented out, merged with the probe's modules (probeModules). */
function onModules(m: Merging, s: LuaStatement): void {
  const o = s.option!;
  const list = strings(o.value);
  comment(m, s, `${o.name} merged below`);
  if (!list) {
    m.notices.push(`${where(m.file, s)}: ${o.name} is computed, not a list: replaced by the modules the test needs`);
    if (o.name === "modules_enabled") m.modulesEnabled = [];
    return;
  }
  if (o.name === "modules_enabled") m.modulesEnabled = list;
  else m.modulesDisabled = list;
}

/** `ssl` and `*_ssl` tables: their TLS options kept, the paths to files on their machine left out. */
function onSsl(m: Merging, s: LuaStatement): void {
  const o = s.option!;
  if (!isTable(o.value)) {
    comment(m, s, `${o.name} left out`);
    m.notices.push(`${where(m.file, s)}: ${o.name} is not a plain table: left out`);
    return;
  }
  const table = o.value;
  const paths = SSL_PATHS.filter((k) => k in table.keys);
  const kept = Object.entries(table.keySource)
    .filter(([k]) => !SSL_PATHS.includes(k))
    .map(([, src]) => src);
  if (paths.length) m.notices.push(`${where(m.file, s)}: ${o.name}: ${paths.join(", ")} overridden: files on your machine (each test host has a certificate from the test CA); your other TLS options are kept`);
  if (o.name === "ssl") {
    m.sslFields = kept;
    comment(m, s, `ssl merged into each test host's ssl below`);
  } else if (paths.length) {
    m.otherSsl[o.name] = `{ ${kept.join(", ")} }`;
    comment(m, s, `${o.name} without paths below`);
  }
}

/** Each edit keeps the lines it replaces, so that the server's own "prosody.cfg.lua:12:" is their line 12. */
function applyEdits(text: string, edits: [number, number, string][]): string {
  let out = text;
  for (const [a, b, r] of [...edits].sort((x, y) => y[0] - x[0])) {
    const lines = (out.slice(a, b).match(/\n/g) ?? []).length - (r.match(/\n/g) ?? []).length;
    out = out.slice(0, a) + bytes(r) + "\n".repeat(Math.max(0, lines)) + out.slice(b);
  }
  return out;
}

/** Their modules with the probe's added (and not disabled), each change said. */
function probeModules(m: Merging): { enabled: string[]; disabled: string[] } {
  const theirs = m.modulesEnabled ?? [];
  const missing = PROBE_MODULES.filter((x) => !theirs.includes(x));
  if (m.modulesEnabled && missing.length) m.notices.push(`${m.file}: modules_enabled: added ${missing.join(", ")}, which the probe needs`);
  const undisabled = m.modulesDisabled.filter((x) => PROBE_MODULES.includes(x));
  if (undisabled.length) m.notices.push(`${m.file}: modules_disabled: ${undisabled.join(", ")} enabled again, which the probe needs`);
  return { enabled: [...theirs, ...missing], disabled: m.modulesDisabled.filter((x) => !PROBE_MODULES.includes(x)) };
}

function firstPath(v: LuaValue | undefined): string | undefined {
  if (typeof v === "string") return /^\/[\w.-]/.test(v) ? v : undefined;
  if (isTable(v)) for (const x of [...v.list, ...Object.values(v.keys)]) {
    const p = firstPath(x);
    if (p) return p;
  }
  return undefined;
}

const clip = (s: string) => {
  const one = s.replace(/\s+/g, " ");
  return one.length > 60 ? one.slice(0, 57) + "..." : one;
};

/** The settings in force for one instance: their value, else Prosody's default. */
export function prosodyPolicySettings(policy: Record<string, LuaValue | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(PROSODY_POLICY)) {
    if (name in policy) out[name] = `${showLua(policy[name])} (your config)`;
    else if (def !== undefined) out[name] = `${def} (Prosody default)`;
  }
  return out;
}

export { luaList };
