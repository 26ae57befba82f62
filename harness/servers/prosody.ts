// Prosody, from Debian or the upstream image: one prosody.cfg.lua with a VirtualHost
// per cell side. Dialback and the certificate are per host, so one instance serves
// every cell. Paths, modes and commands per image layout: upstream-layouts.ts.
import type { AuthEvent } from "../types.ts";
import { matchLogPatterns, type LogPattern } from "./log-patterns.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, ServerAdapter, VirtualHost } from "./adapter.ts";
import { PROSODY_LAYOUTS, prosodyLayout, type ProsodyLayout } from "./upstream-layouts.ts";

// Modules every host loads; "dialback" is added per host when it is on.
const BASE_MODULES = ["tls", "saslauth", "disco", "ping", "roster"];

const lua = (s: string): string => JSON.stringify(s); // JSON string escapes are valid Lua
const luaList = (xs: string[]): string => `{ ${xs.map(lua).join(", ")} }`;

/** Prosody's datamanager escapes every non-alphanumeric byte of a host or user as %xx. */
export const prosodyPathEncode = (s: string): string =>
  s.replace(/[^a-zA-Z0-9]/g, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0"));

export function renderProsodyConfig(config: InstanceConfig, layout: ProsodyLayout = PROSODY_LAYOUTS.debian): string {
  const CERTS = layout.certs;
  const hosts = config.vhosts.map((v) => renderVirtualHost(v, CERTS)).join("\n");
  // Where the data directories are not writable, accounts are read from our files and everything else stays in memory.
  const storage = layout.writableData
    ? `storage = "internal"`
    : `storage = { accounts = "internal" }\ndefault_storage = "memory"`;
  return `-- Rendered by s2s-matrix for one test instance.
daemonize = false
pidfile = ${lua(layout.pidfile)}
data_path = ${lua(layout.data)}
-- Log to stdout: the harness streams it and keeps each cell's lines. Info carries
-- every s2s verdict line; debug (every stanza) cost ~15 % of a 196-cell run's wall time.
log = { { levels = { min = "info" }, to = "console" } }
plugin_paths = {}
modules_enabled = ${luaList(BASE_MODULES)}
authentication = "internal_plain"
${storage}
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = ${config.secureAuth ? "true" : "false"}
-- Trust exactly the run's private CA; the system store stays out of the test.
ssl = { cafile = ${lua(`${CERTS}/ca.crt`)} }
-- No SRV records on the test network: fall back to the A record of each domain.
use_dane = false

${hosts}
`;
}

function renderVirtualHost(v: VirtualHost, CERTS: string): string {
  const modules = v.dialback === "on" ? [...BASE_MODULES, "dialback"] : BASE_MODULES;
  return `VirtualHost ${lua(v.domain)}
  modules_enabled = ${luaList(modules)}
  ssl = { certificate = ${lua(`${CERTS}/${v.domain}.crt`)}, key = ${lua(`${CERTS}/${v.domain}.key`)}, cafile = ${lua(`${CERTS}/ca.crt`)} }
`;
}

function renderFiles(config: InstanceConfig, layout: ProsodyLayout): RenderedFile[] {
  const { certs: CERTS, data: DATA } = layout;
  const files: RenderedFile[] = [
    { path: layout.config, content: renderProsodyConfig(config, layout), mode: 0o644 },
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
    re: /(Incoming|Outgoing) s2s connection (\S+)->(\S+) complete/,
    make: (m) => ({ kind: "connection-ok", from: m[2], to: m[3] }),
  },
  {
    // initiator: "s2sout… info Sending error replies for 1 queued stanzas because of failed outgoing connection to b.example"
    re: /because of failed outgoing connection to (\S+)/,
    make: (m) => ({ kind: "connection-failed", from: "", to: m[1] }),
  },
];

/** "error<cancel:not-authorized:unsupported certificate purpose>" → "unsupported certificate purpose (not-authorized)" */
export function saslErrorText(s: string): string {
  const m = /^error<\w+:([\w-]+)(?::(.*))?>$/.exec(s.trim());
  return m ? (m[2] ? `${m[2]} (${m[1]})` : m[1]) : s.trim();
}

export const parseProsodyAuthEvents = (lines: string[]): AuthEvent[] => matchLogPatterns(PATTERNS, lines);

export const prosody: ServerAdapter = {
  family: "prosody",
  dockerContext: "prosody",
  c2sPort: 5222,
  s2sPort: 5269,
  render: (entry: CatalogEntry, config: InstanceConfig) => {
    const layout = prosodyLayout(entry);
    return {
      files: renderFiles(config, layout),
      ...(layout.command ? { command: layout.command } : {}),
      ...(layout.env ? { env: layout.env } : {}),
    };
  },
  readyCommand: (entry: CatalogEntry) => prosodyLayout(entry).readyCommand,
  // Logged while hosts load; the login that follows succeeds only once all are up.
  readyLogLine: () => /Activated service 'c2s'/,
  versionCommand: (entry: CatalogEntry) => prosodyLayout(entry).versionCommand,
  parseAuthEvents: parseProsodyAuthEvents,
};
