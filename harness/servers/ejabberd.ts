// ejabberd, from Debian or the upstream image: one ejabberd.yml whose host_config
// gives each cell side its own modules (mod_s2s_dialback present or absent).
// Paths, modes and commands per image layout: upstream-layouts.ts.
import { stringify } from "yaml";
import type { AuthEvent } from "../types.ts";
import { matchLogPatterns, type LogPattern } from "./log-patterns.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, ServerAdapter } from "./adapter.ts";
import { EJABBERD_AUTH_ANY_SH, EJABBERD_LAYOUTS, ejabberdLayout, ejabberdReadyCommand, type EjabberdLayout } from "./upstream-layouts.ts";

// Modules every host loads; listed in full per host so merge-or-replace semantics of host_config do not matter.
const BASE_MODULES: Record<string, object> = { mod_disco: {}, mod_ping: {}, mod_roster: {} };

export function renderEjabberdConfig(config: InstanceConfig, layout: EjabberdLayout = EJABBERD_LAYOUTS.debian): string {
  const CERTS = layout.certs;
  const hostConfig: Record<string, object> = {};
  for (const v of config.vhosts) {
    hostConfig[v.domain] = {
      modules: v.dialback === "on" ? { ...BASE_MODULES, mod_s2s_dialback: {} } : { ...BASE_MODULES },
    };
  }
  const doc = {
    hosts: config.vhosts.map((v) => v.domain),
    loglevel: "info",
    log_rotate_count: 0,
    // ejabberd picks the certificate for a host by its names.
    certfiles: config.vhosts.map((v) => `${CERTS}/${v.domain}.pem`),
    ca_file: `${CERTS}/ca.crt`,
    s2s_cafile: `${CERTS}/ca.crt`,
    s2s_use_starttls: config.secureAuth ? "required" : "optional",
    // Test users only matter for c2s: an extauth script accepts them (images/ejabberd/auth-any.pl, or EJABBERD_AUTH_ANY_SH).
    auth_method: ["external"],
    extauth_program: layout.authProgram,
    auth_use_cache: false,
    listen: [
      { port: 5222, ip: "::", module: "ejabberd_c2s", starttls_required: true, max_stanza_size: 262144 },
      { port: 5269, ip: "::", module: "ejabberd_s2s_in", max_stanza_size: 524288 },
    ],
    acl: { local: { user_regexp: "" } },
    access_rules: { local: { allow: "local" } },
    modules: BASE_MODULES,
    host_config: hostConfig,
  };
  return "# Rendered by s2s-matrix for one test instance.\n" + stringify(doc, { aliasDuplicateObjects: false });
}

function renderFiles(config: InstanceConfig, layout: EjabberdLayout): RenderedFile[] {
  const CERTS = layout.certs;
  const files: RenderedFile[] = [
    { path: layout.config, content: renderEjabberdConfig(config, layout), mode: layout.configMode },
    { path: `${CERTS}/ca.crt`, content: config.trustedCa, mode: 0o644 },
  ];
  if (layout.authScript) files.push({ path: layout.authProgram, content: EJABBERD_AUTH_ANY_SH, mode: 0o755 });
  for (const v of config.vhosts) {
    // ejabberd wants certificate and key in one PEM.
    files.push({ path: `${CERTS}/${v.domain}.pem`, content: v.tls.fullchain + v.tls.key, mode: layout.secretMode });
  }
  return files;
}

// ejabberd's own words for s2s authentication (ejabberd_s2s_in / ejabberd_s2s_out, 23.01–26.x).
const PATTERNS: LogPattern[] = [
  {
    re: /Accepted inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+)/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-ok" : "dialback-ok", from: m[2], to: m[3] }),
  },
  {
    re: /Failed inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+) \([^)]*\): (.+)$/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-failed" : "dialback-failed", from: m[2], to: m[3], reason: m[4] }),
  },
  {
    re: /Failed inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+)(?:: (.+))?$/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-failed" : "dialback-failed", from: m[2], to: m[3], reason: m[4] }),
  },
  {
    re: /Retrying with s2s dialback authentication: (\S+) -> (\S+)/,
    make: (m) => ({ kind: "dialback-retry", from: m[1], to: m[2] }),
  },
  {
    re: /Failed outbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+) \([^)]*\): (.+)$/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-failed" : "dialback-failed", from: m[2], to: m[3], reason: m[4] }),
  },
  {
    re: /Accepted outbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+)/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-ok" : "dialback-ok", from: m[2], to: m[3] }),
  },
  {
    re: /Failed to establish outbound s2s connection (\S+) -> (\S+): (.+)$/,
    make: (m) => ({ kind: "connection-failed", from: m[1], to: m[2], reason: m[3] }),
  },
  {
    re: /Closing inbound s2s connection (\S+) -> (\S+): (.+)$/,
    make: (m) => ({ kind: "connection-failed", from: m[1], to: m[2], reason: m[3] }),
  },
];

export const parseEjabberdAuthEvents = (lines: string[]): AuthEvent[] => matchLogPatterns(PATTERNS, lines);

export const ejabberd: ServerAdapter = {
  family: "ejabberd",
  dockerContext: "ejabberd",
  c2sPort: 5222,
  s2sPort: 5269,
  render: (entry: CatalogEntry, config: InstanceConfig) => {
    const layout = ejabberdLayout(entry);
    return { files: renderFiles(config, layout), ...(layout.command ? { command: layout.command } : {}) };
  },
  // ejabberdctl status boots an Erlang node (~1 s a call); the log line is instant.
  readyCommand: (entry: CatalogEntry) => ejabberdReadyCommand(ejabberdLayout(entry)),
  readyLogLine: () => /is started in the node/,
  versionCommand: (entry: CatalogEntry) => ejabberdLayout(entry).versionCommand,
  parseAuthEvents: parseEjabberdAuthEvents,
};
