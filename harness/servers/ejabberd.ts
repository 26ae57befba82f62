// ejabberd, from Debian or the upstream image: one ejabberd.yml whose host_config
// gives each cell side its own modules (mod_s2s_dialback present or absent).
// Paths, modes and commands per image layout: upstream-layouts.ts.
import { PROFILES } from "../../ca/profiles.ts";
import { isMap, isNode, stringify, type YAMLMap } from "yaml";
import type { AuthEvent, ProfileName } from "../../core/types.ts";
import { stripAnsi } from "../../core/text.ts";
import { matchLogPatterns, versionIn, type LogPattern } from "./log-patterns.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, ServerAdapter } from "./adapter.ts";
import { ejabberdPolicySettings, mergeEjabberdBase } from "./ejabberd-base.ts";
import { ejabberdDroppedStanzas } from "./ejabberd-dropped.ts";
import { ejabberdAuthScript } from "./ejabberd-extauth.ts";
import { EJABBERD_LAYOUTS, ejabberdLayout, ejabberdReadyCommand, type EjabberdLayout } from "./upstream-layouts.ts";

// Modules every host loads; listed in full per host so merge-or-replace semantics of host_config do not matter.
const BASE_MODULES: Record<string, unknown> = { mod_disco: {}, mod_ping: {}, mod_roster: {} };

export interface RenderedEjabberdConfig {
  text: string;
  settings: Record<string, string>;
  hostSettings: Record<string, Record<string, string>>;
  notices: string[];
}

/** The config text, with the settings in force and (from an operator's base config) what was overridden. */
export function renderEjabberd(config: InstanceConfig, layout: EjabberdLayout = EJABBERD_LAYOUTS.debian): RenderedEjabberdConfig {
  const CERTS = layout.certs;
  const base = config.baseConfig ? mergeEjabberdBase(config.baseConfig.file, config.baseConfig.text) : undefined;
  const hostSettings: Record<string, Record<string, string>> = {};
  for (const v of config.vhosts) {
    const theirs = base ? (base.dialback !== undefined ? "on" : "off") : undefined;
    hostSettings[v.domain] = { dialback: `${v.dialback} (scenario${theirs && theirs !== v.dialback ? `; your config: ${theirs}` : ""})` };
  }
  const policy = base ? {} : { s2s_use_starttls: config.secureAuth ? "required" : "optional" };
  // What every test instance needs; with their file, these replace their options of the same name.
  const ours = {
    hosts: config.vhosts.map((v) => v.domain),
    loglevel: "info",
    log_rotate_count: 0,
    // ejabberd picks the certificate for a host by its names.
    certfiles: config.vhosts.map((v) => `${CERTS}/${v.domain}.pem`),
    ca_file: `${CERTS}/ca.crt`,
    s2s_cafile: `${CERTS}/ca.crt`,
    ...policy,
    // The run's probe users with their per-run password, and nobody else (ejabberd-extauth.ts).
    auth_method: ["external"],
    extauth_program: layout.authProgram,
    auth_use_cache: false,
    // One auth process per host, not one per core: ejabberd starts a pool for each
    // of up to 60 hosts, and the probe logs in a few times per host.
    extauth_pool_size: 1,
    // c2s is only how the probe reaches the server: TLS offered, not required (harness/probe/client.ts).
    listen: [
      { port: ejabberd.c2sPort, ip: "::", module: "ejabberd_c2s", starttls: true, starttls_required: false, max_stanza_size: 262144 },
      { port: ejabberd.s2sPort, ip: "::", module: "ejabberd_s2s_in", max_stanza_size: 524288 },
    ],
  };
  const acl = { local: { user_regexp: "" } };
  const accessRules = { local: { allow: "local" } };
  let text: string;
  if (!base) {
    const hostConfig: Record<string, object> = {};
    for (const v of config.vhosts) {
      hostConfig[v.domain] = { modules: v.dialback === "on" ? { ...BASE_MODULES, mod_s2s_dialback: {} } : { ...BASE_MODULES } };
    }
    const doc = { ...ours, acl, access_rules: accessRules, modules: BASE_MODULES, host_config: hostConfig };
    text = "# Rendered by s2s-matrix for one test instance.\n" + stringify(doc, { aliasDuplicateObjects: false });
  } else {
    // Their document, edited: their comments, key order, integer keys and macros stay as written.
    const { doc, modules } = base;
    const node = (v: unknown) => doc.createNode(v, { aliasDuplicateObjects: false });
    for (const [k, v] of Object.entries(ours)) doc.set(k, node(v));
    for (const [k, v] of Object.entries({ acl, access_rules: accessRules })) {
      const theirs = doc.get(k);
      if (!isMap(theirs)) doc.set(k, node(v));
      else for (const [name, rule] of Object.entries(v)) if (!theirs.has(name)) theirs.set(name, node(rule));
    }
    // Their modules, with what the probe needs; mod_s2s_dialback only on the hosts whose cell has it.
    for (const [name, opts] of Object.entries(BASE_MODULES)) if (!modules.has(name)) modules.set(name, node(opts));
    doc.set("modules", modules);
    const hostConfig = node({}) as YAMLMap;
    for (const v of config.vhosts) {
      const m = modules.clone() as YAMLMap;
      if (v.dialback === "on") m.set("mod_s2s_dialback", isNode(base.dialback) ? base.dialback.clone() : node(base.dialback ?? {}));
      hostConfig.set(v.domain, node({ modules: m }));
    }
    doc.set("host_config", hostConfig);
    // The file name quoted (JSON escapes line breaks): a name with one would end the comment.
    text = `# Rendered by s2s-matrix for one test instance from ${JSON.stringify(config.baseConfig!.file)}: your options, with the test's hosts, certificates, listeners and accounts.\n` + doc.toString();
  }
  const settings = base ? ejabberdPolicySettings(base.options) : { s2s_use_starttls: `${policy.s2s_use_starttls} (s2s-matrix)` };
  return { text, settings, hostSettings, notices: base?.notices ?? [] };
}

function renderFiles(config: InstanceConfig, layout: EjabberdLayout, text: string): RenderedFile[] {
  const CERTS = layout.certs;
  const files: RenderedFile[] = [
    { path: layout.config, content: text, mode: layout.configMode },
    { path: `${CERTS}/ca.crt`, content: config.trustedCa, mode: 0o644 },
  ];
  // It holds the per-run password: a secret's mode, executable wherever it is readable.
  const execMode = layout.secretMode | ((layout.secretMode & 0o444) >> 2);
  files.push({ path: layout.authProgram, content: ejabberdAuthScript(config.users, layout.authLanguage), mode: execMode });
  for (const v of config.vhosts) {
    // ejabberd wants certificate and key in one PEM.
    files.push({ path: `${CERTS}/${v.domain}.pem`, content: v.tls.fullchain + v.tls.key, mode: layout.secretMode });
  }
  return files;
}

// ejabberd's own words for s2s authentication (ejabberd_s2s_in / ejabberd_s2s_out, 23.01–26.x).
// `final`: "Failed to establish outbound … bouncing" ends the outgoing stream and bounces
// its queue; a refused dialback is the last resort (a refused EXTERNAL may still be
// followed by "Retrying with s2s dialback authentication").
const lastResort = (mech: string) => (mech === "dialback" ? { final: true } : {});

const PATTERNS: LogPattern[] = [
  {
    re: /Accepted inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+)/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-ok" : "dialback-ok", from: m[2], to: m[3] }),
  },
  {
    // The receiver's verdict on the initiator's certificate: "… (::ffff:192.168.224.6): unsupported certificate purpose"
    re: /Failed inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+) \([^)]*\): (.+)$/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-failed" : "dialback-failed", from: m[2], to: m[3], reason: m[4], judged: true, ...lastResort(m[1]) }),
  },
  {
    re: /Failed inbound s2s (EXTERNAL|dialback) authentication (\S+) -> (\S+)(?:: (.+))?$/,
    make: (m) => ({ kind: m[1] === "EXTERNAL" ? "external-failed" : "dialback-failed", from: m[2], to: m[3], reason: m[4], ...lastResort(m[1]) }),
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
    // The initiator's verdict on the receiver's server certificate (OpenSSL's words):
    // "Failed to establish outbound s2s connection a -> b: Peer certificate rejected: certificate has expired; bouncing for 68 seconds"
    re: /Failed to establish outbound s2s connection (\S+) -> (\S+): Peer certificate rejected: (.+?)(?:; bouncing for \d+ seconds)?$/,
    make: (m) => ({ kind: "connection-failed", from: m[1], to: m[2], reason: m[3], judged: true, final: true }),
  },
  {
    // "…: Stream closed by peer: Your server's certificate is not trusted (not-authorized); bouncing for 191 seconds"
    re: /Failed to establish outbound s2s connection (\S+) -> (\S+): (.+?)(?:; bouncing for \d+ seconds)?$/,
    make: (m) => ({ kind: "connection-failed", from: m[1], to: m[2], reason: m[3], final: true }),
  },
  {
    // Not final: "Stream reset by peer" also ends streams that worked.
    re: /Closing inbound s2s connection (\S+) -> (\S+): (.+)$/,
    make: (m) => ({ kind: "connection-failed", from: m[1], to: m[2], reason: m[3] }),
  },
];

/**
 * Hosts that share an ejabberd only with hosts of the same profile, because another
 * host's certificate would stand in for theirs: pkix completes a chain from every file
 * ejabberd loads (a leaf configured alone goes out with an intermediate from another
 * host's fullchain), and for a host that none of its certificates names, ejabberd
 * presents the first of its certificate table (pkix get_certfile/0), which may be any
 * other host's (wrong-name, wildcard-mismatch). Among hosts of one such profile any
 * stand-in has the same shape as the host's own, so a peer judges what it would on a
 * server with one domain; an instance per host would do the same at up to 168 boots.
 */
export function ownProfileInstance(profile: ProfileName): boolean {
  const p = PROFILES[profile];
  return p.sends === "leaf" || p.names === "wrong" || p.names === "wildcard-below";
}

/** ejabberd 26 colours its console log: without stripAnsi the escapes would end up in reasons. */
export const parseEjabberdAuthEvents = (lines: string[]): AuthEvent[] => matchLogPatterns(PATTERNS, lines.map(stripAnsi));

export const ejabberd: ServerAdapter<"ejabberd"> = {
  family: "ejabberd",
  dockerContext: "ejabberd",
  c2sPort: 5222,
  s2sPort: 5269,
  render: (entry: CatalogEntry, config: InstanceConfig) => {
    const layout = ejabberdLayout(entry);
    const { text, settings, hostSettings, notices } = renderEjabberd(config, layout);
    return { files: renderFiles(config, layout, text), settings, hostSettings, notices, ...(layout.command ? { command: layout.command } : {}) };
  },
  // ejabberdctl status boots an Erlang node (~1 s a call); the log line is instant.
  readyCommand: (entry: CatalogEntry) => ejabberdReadyCommand(ejabberdLayout(entry)),
  readyLogLine: () => /is started in the node/,
  versionCommand: (entry: CatalogEntry) => ejabberdLayout(entry).versionCommand,
  // "ejabberd 24.12 is started in the node ejabberd@localhost in 1.52s"
  versionFromLog: (lines: string[]) => versionIn(lines, /ejabberd (\d\S*) is started in the node/),
  parseAuthEvents: parseEjabberdAuthEvents,
  droppedStanzas: ejabberdDroppedStanzas,
  logsBeforeBounce: true,
  // ejabberd starts every host's modules before it answers, and the readiness bound
  // grows with the hosts (deadline.ts). Booted alone (26.07, 2026-12-07): 1 host 2.0
  // CPU-s, 60 hosts 3.2, 240 hosts 9.0; a container costs Docker ~2 CPU-s more. 240
  // put certificate-profiles on 18 containers instead of 41 (254–258 s, was 281–345 s);
  // 300 keeps npm test's shipped subsets (280 and 284 hosts) on one container a version.
  maxVirtualHosts: 300,
  // The certificate store is server-wide: see ownProfileInstance.
  serverWideKey: (vhost) => (ownProfileInstance(vhost.certificate) ? `only ${vhost.certificate}` : ""),
};
