// Prosody, from Debian or the upstream image: one prosody.cfg.lua with a VirtualHost
// per cell side. Dialback and the certificate are per host, so one instance serves
// every cell. Paths, modes and commands per image layout: upstream-layouts.ts.
import type { AuthEvent } from "../../core/types.ts";
import { matchLogPatterns, versionIn, type LogPattern } from "./log-patterns.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, ServerAdapter, VirtualHost } from "./adapter.ts";
import { PROSODY_LAYOUTS, prosodyLayout, type ProsodyLayout } from "./upstream-layouts.ts";
import { luaList, luaString } from "./lua-config.ts";
import { mergeProsodyBase, PROBE_MODULES, prosodyPolicySettings } from "./prosody-base.ts";

// Modules every host loads; "dialback" is added per host when it is on.
const BASE_MODULES = PROBE_MODULES;

const lua = luaString;

/** Prosody's datamanager escapes every non-alphanumeric byte of a host or user as %xx. */
export const prosodyPathEncode = (s: string): string =>
  s.replace(/[^a-zA-Z0-9]/g, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0"));

export interface RenderedProsodyConfig {
  text: string;
  settings: Record<string, string>;
  hostSettings: Record<string, Record<string, string>>;
  notices: string[];
}

/** The config text, with the settings in force and (from an operator's base config) what was overridden. */
export function renderProsody(config: InstanceConfig, layout: ProsodyLayout = PROSODY_LAYOUTS.debian): RenderedProsodyConfig {
  const CERTS = layout.certs;
  const base = config.baseConfig ? mergeProsodyBase(config.baseConfig.file, config.baseConfig.text) : undefined;
  // Where the data directories are not writable, accounts are read from our files and everything else stays in memory.
  const storage = layout.writableData
    ? `storage = "internal"`
    : `storage = { accounts = "internal" }\ndefault_storage = "memory"`;
  const process = `daemonize = false
pidfile = ${lua(layout.pidfile)}
data_path = ${lua(layout.data)}
-- Log to stdout: the harness streams it and keeps each cell's lines. Info carries
-- every s2s verdict line; debug (every stanza) cost ~15 % of a 196-cell run's wall time.
log = { { levels = { min = "info" }, to = "console" } }
plugin_paths = {}
authentication = "internal_plain"
${storage}`;
  const cafile = `cafile = ${lua(`${CERTS}/ca.crt`)}`;
  const hostSettings: Record<string, Record<string, string>> = {};
  for (const v of config.vhosts) {
    const theirs = base ? (base.dialback ? "on" : "off") : undefined;
    hostSettings[v.domain] = { dialback: `${v.dialback} (scenario${theirs && theirs !== v.dialback ? `; your config: ${theirs}` : ""})` };
  }
  if (!base) {
    const hosts = config.vhosts.map((v) => renderVirtualHost(v, CERTS, v.dialback === "on" ? { enabled: [...BASE_MODULES, "dialback"] } : { enabled: BASE_MODULES }, [])).join("\n");
    const text = `-- Rendered by s2s-matrix for one test instance.
${process}
modules_enabled = ${luaList(BASE_MODULES)}
-- c2s is only how the probe reaches the server: TLS offered, not required (harness/probe/client.ts).
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
-- Lua 5.4's generational collector: Prosody's default (incremental, pause 105) collected the
-- heap of a few hundred virtual hosts over and over, ~60 % of its CPU in a run. Older Lua has none.
if (Lua or _G)._VERSION == "Lua 5.4" then gc = { mode = "generational" } end
s2s_require_encryption = true
s2s_secure_auth = ${config.secureAuth ? "true" : "false"}
-- Trust exactly the run's private CA; the system store stays out of the test.
ssl = { ${cafile} }
-- No SRV records on the test network: fall back to the A record of each domain.
use_dane = false

${hosts}
`;
    const settings = { s2s_secure_auth: `${config.secureAuth} (s2s-matrix)`, s2s_require_encryption: "true (s2s-matrix)" };
    return { text, settings, hostSettings, notices: [] };
  }
  // Their global section first; what the test needs after it (a later assignment
  // wins); dialback per host, where the cell's setting beats their module lists.
  const ssl = [...base.sslFields, cafile];
  const other = Object.entries(base.otherSsl).map(([k, v]) => `${k} = ${v}\n`).join("");
  const hosts = config.vhosts
    .map((v) => renderVirtualHost(v, CERTS, v.dialback === "on" ? { enabled: ["dialback"] } : { disabled: ["dialback"] }, base.sslFields))
    .join("\n");
  // Their text comes first and keeps its line numbers: Prosody's own error lines point into their file.
  // Their file name quoted (JSON escapes line breaks): a name with one would end the comment.
  const text = `${base.global.trimEnd()}

-- ==== Rendered by s2s-matrix for one test instance: above, ${JSON.stringify(config.baseConfig!.file)} ("--[s2s-matrix]":
-- left out or set below); below, what the test instance needs. ====
${process}
modules_enabled = ${luaList(base.modulesEnabled)}
modules_disabled = ${luaList(base.modulesDisabled)}
-- Your TLS options, with the run's private CA as the only trusted one.
ssl = { ${ssl.join(", ")} }
${other}
${hosts}
`;
  const settings = prosodyPolicySettings(base.policy);
  if (base.sslFields.length) settings.ssl = `{ ${base.sslFields.join(", ")} } (your config)`;
  return { text, settings, hostSettings, notices: base.notices };
}

function renderVirtualHost(v: VirtualHost, CERTS: string, modules: { enabled?: string[]; disabled?: string[] }, sslFields: string[]): string {
  const ssl = [...sslFields, `certificate = ${lua(`${CERTS}/${v.domain}.crt`)}`, `key = ${lua(`${CERTS}/${v.domain}.key`)}`, `cafile = ${lua(`${CERTS}/ca.crt`)}`];
  return `VirtualHost ${lua(v.domain)}
${modules.enabled ? `  modules_enabled = ${luaList(modules.enabled)}\n` : ""}${modules.disabled ? `  modules_disabled = ${luaList(modules.disabled)}\n` : ""}  ssl = { ${ssl.join(", ")} }
`;
}

function renderFiles(config: InstanceConfig, layout: ProsodyLayout, text: string): RenderedFile[] {
  const { certs: CERTS, data: DATA } = layout;
  const files: RenderedFile[] = [
    { path: layout.config, content: text, mode: 0o644 },
    { path: `${CERTS}/ca.crt`, content: config.trustedCa, mode: 0o644 },
  ];
  for (const v of config.vhosts) {
    files.push({ path: `${CERTS}/${v.domain}.crt`, content: v.tls.fullchain, mode: 0o644 });
    files.push({ path: `${CERTS}/${v.domain}.key`, content: v.tls.key, mode: layout.secretMode });
    // internal_plain accounts are plain Lua files: writing them beats one prosodyctl call per user.
    for (const u of config.users) {
      files.push({
        path: `${DATA}/${prosodyPathEncode(v.domain)}/accounts/${prosodyPathEncode(u.username)}.dat`,
        content: `return {\n\t["password"] = ${lua(u.password)};\n};\n`,
        mode: layout.secretMode,
      });
    }
  }
  return files;
}

// Log lines (0.12 and 13) that say how an s2s stream authenticated. The first
// column names the host for module lines ("b.example:saslauth") and the session otherwise.
// `final`: mod_s2s closes the session ("Forbidding…": check_auth_policy closes it) or
// has bounced its queue: nothing more passes on it.
const PATTERNS: LogPattern[] = [
  {
    // receiver: "b.example:saslauth info Accepting SASL EXTERNAL identity from a.example"
    re: /^(\S+):saslauth\s+\w+\s+Accepting SASL EXTERNAL identity from (\S+)/,
    make: (m) => ({ kind: "external-ok", from: m[2], to: m[1] }),
  },
  {
    // initiator: "a.example:saslauth debug SASL EXTERNAL with b.example succeeded"
    re: /^(\S+):saslauth\s+\w+\s+SASL EXTERNAL with (\S+) succeeded/,
    make: (m) => ({ kind: "external-ok", from: m[1], to: m[2] }),
  },
  {
    // initiator: "a.example:saslauth info SASL EXTERNAL with b.example failed: error<cancel:not-authorized:unsupported certificate purpose>"
    re: /^(\S+):saslauth\s+\w+\s+SASL EXTERNAL with (\S+) failed: (.*)$/,
    make: (m) => ({ kind: "external-failed", from: m[1], to: m[2], reason: saslErrorText(m[3]) }),
  },
  {
    // initiator: "a.example:dialback debug SASL EXTERNAL failed, falling back to dialback"
    re: /^(\S+):dialback\s+\w+\s+SASL EXTERNAL failed, falling back to dialback/,
    make: (m) => ({ kind: "dialback-retry", from: m[1], to: "" }),
  },
  {
    // receiver judging the initiator: "s2sin… warn Forbidding insecure connection to/from a.example because its certificate has expired"
    re: /^s2sin\S*\s+\w+\s+Forbidding insecure connection to\/from (\S+) because its (certificate .+)$/,
    make: (m) => ({ kind: "external-failed", from: m[1], to: "", reason: m[2], judged: true, final: true }),
  },
  {
    // initiator judging the receiver's server certificate: the same words on its s2sout session
    re: /^s2sout\S*\s+\w+\s+Forbidding insecure connection to\/from (\S+) because its (certificate .+)$/,
    make: (m) => ({ kind: "connection-failed", from: "", to: m[1], reason: m[2], judged: true, final: true }),
  },
  {
    re: /(Incoming|Outgoing) s2s connection (\S+)->(\S+) complete/,
    make: (m) => ({ kind: "connection-ok", from: m[2], to: m[3] }),
  },
  {
    // "s2sout… info Sending error replies for 1 queued stanzas because of failed outgoing connection to b.example":
    // the stanzas are bounced and the session is gone.
    re: /because of failed outgoing connection to (\S+)/,
    make: (m) => ({ kind: "connection-failed", from: "", to: m[1], final: true }),
  },
];

/** "error<cancel:not-authorized:unsupported certificate purpose>" → "unsupported certificate purpose (not-authorized)" */
export function saslErrorText(s: string): string {
  const m = /^error<\w+:([\w-]+)(?::(.*))?>$/.exec(s.trim());
  return m ? (m[2] ? `${m[2]} (${m[1]})` : m[1]) : s.trim();
}

export const parseProsodyAuthEvents = (lines: string[]): AuthEvent[] => matchLogPatterns(PATTERNS, lines);

export const prosody: ServerAdapter<"prosody"> = {
  family: "prosody",
  dockerContext: "prosody",
  c2sPort: 5222,
  s2sPort: 5269,
  render: (entry: CatalogEntry, config: InstanceConfig) => {
    const layout = prosodyLayout(entry);
    const { text, settings, hostSettings, notices } = renderProsody(config, layout);
    return {
      files: renderFiles(config, layout, text),
      settings,
      hostSettings,
      notices,
      ...(layout.command ? { command: layout.command } : {}),
      ...(layout.env ? { env: layout.env } : {}),
    };
  },
  readyCommand: (entry: CatalogEntry) => prosodyLayout(entry).readyCommand,
  // Logged while hosts load; the login that follows succeeds only once all are up.
  readyLogLine: () => /Activated service 'c2s'/,
  versionCommand: (entry: CatalogEntry) => prosodyLayout(entry).versionCommand,
  // "general info Hello and welcome to Prosody version 13.0.7" (util/startup.lua, from prosody.version).
  versionFromLog: (lines: string[]) => versionIn(lines, /Hello and welcome to Prosody version (\S+)/),
  parseAuthEvents: parseProsodyAuthEvents,
  logsBeforeBounce: true,
  // Prosody loads each host's certificate and modules in turn, ~0.023 CPU-s a host
  // (13.0.7 alone, 2026-12-07: 120 hosts 3.0 CPU-s, 480 hosts 12.0). More hosts per
  // instance would put a version's cells on one single-threaded process.
  maxVirtualHosts: 240,
};
