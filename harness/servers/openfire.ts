// Openfire adapter: the upstream image (ghcr.io/igniterealtime/openfire), configured
// entirely by files copied in before the container starts.
//
// How the upstream image is laid out (build/docker/entrypoint.sh, Dockerfile):
// - Openfire lives in /usr/local/openfire. At build time conf/, plugins/ and
//   resources/security/ are moved to conf_org/, plugins_org/ and resources/security_org/.
// - On start the entrypoint symlinks /usr/local/openfire/conf -> /var/lib/openfire/conf and
//   /usr/local/openfire/resources/security -> /var/lib/openfire/conf/security, and, when
//   /var/lib/openfire/conf does not exist yet (a fresh container), copies the *_org trees
//   there. /usr/local/openfire/logs is a symlink to /var/log/openfire.
// So render() writes into the *_org trees: the entrypoint then installs our openfire.xml,
// keystore and truststore next to the stock files (client.truststore, java.security, ...).
// render() also replaces lib/log4j2.xml so that the s2s lines reach stdout, which the
// harness streams (and openfire.log, for a look inside the container).
// - The Dockerfile does not EXPOSE 5269; containers on one network reach it anyway, but
//   the harness must list 5269 itself if it ever needs it from the host.
//
// Openfire hosts exactly ONE XMPP domain per server, and dialback / TLS policy are
// server-wide properties, so every cell side gets its own instance (maxVirtualHosts: 1,
// which harness/plan.ts honours; serverWideKey says the same for dialback).
//
// Beside it: openfire-config.ts (openfire.xml, log4j2.xml), openfire-log.ts (the log's
// s2s facts), openfire-base.ts (an operator's openfire.xml), ca/pkcs12.ts (the key stores).
import { randomBytes } from "node:crypto";
import { buildKeystore, buildTruststore } from "../../ca/pkcs12.ts";
import { mergeOpenfireBase, openfireSettings } from "./openfire-base.ts";
import { CONF_ORG, LOG4J_CONFIG, log4j2Xml, OPENFIRE_HOME, OPENFIRE_LOG, openfireXml, SECURITY_ORG } from "./openfire-config.ts";
import { parseOpenfireAuthEvents } from "./openfire-log.ts";
import type { CatalogEntry, InstanceConfig, RenderedFile, RenderedInstance, ServerAdapter, VirtualHost } from "./adapter.ts";

function onlyVhost(config: InstanceConfig): VirtualHost {
  if (config.vhosts.length !== 1) {
    throw new Error(
      `openfire: an Openfire server hosts exactly one XMPP domain, but this instance was given ${config.vhosts.length} ` +
        `(${config.vhosts.map((v) => v.domain).join(", ") || "none"}); run one instance per domain`,
    );
  }
  return config.vhosts[0]!;
}

export const openfireAdapter: ServerAdapter<"openfire"> = {
  family: "openfire",
  // Openfire has no Debian package: every entry is an upstream image, nothing is built.
  dockerContext: "openfire",
  c2sPort: 5222,
  s2sPort: 5269,

  render(_entry: CatalogEntry, config: InstanceConfig): RenderedInstance {
    const vhost = onlyVhost(config);
    const keystore = buildKeystore(vhost.domain, vhost.tls);
    const truststore = buildTruststore(config.trustedCa);
    const adminPassword = randomBytes(12).toString("hex");
    // Copied in as root; depending on the image version the entrypoint copies them on as root
    // (keeping the owner) or as openfire. Openfire (user openfire) rewrites openfire.xml during
    // autosetup and may add a certificate to the keystore, so those two stay writable for it.
    // Throwaway test material in a throwaway container.
    const stock = openfireXml(vhost, config, adminPassword);
    // An operator's openfire.xml is laid over ours (openfire-base.ts); the cell's dialback always wins.
    const base = config.baseConfig ? mergeOpenfireBase(config.baseConfig.file, config.baseConfig.text, stock) : undefined;
    const xmlText = base?.xml ?? stock;
    const files: RenderedFile[] = [
      { path: `${CONF_ORG}/openfire.xml`, content: xmlText, mode: 0o666 },
      { path: `${SECURITY_ORG}/keystore`, content: keystore.content, mode: 0o666 },
      { path: `${SECURITY_ORG}/truststore`, content: truststore.content, mode: 0o644 },
      { path: LOG4J_CONFIG, content: log4j2Xml(), mode: 0o644 },
    ];
    const settings = openfireSettings(xmlText, base?.theirs ?? {});
    const theirDialback = base?.dialback;
    const note = theirDialback !== undefined && (theirDialback === "true") !== (vhost.dialback === "on") ? `; your config: ${theirDialback === "true" ? "on" : "off"}` : "";
    const hostSettings = { [vhost.domain]: { dialback: `${vhost.dialback} (scenario${note})` } };
    return { files, settings, hostSettings, notices: base?.notices ?? [] };
  },

  // The s2s and c2s listeners start with the modules, i.e. after autosetup has finished.
  // /bin/sh is dash in the image; bash has /dev/tcp (the upstream HEALTHCHECK uses it too).
  readyCommand: () =>
    `bash -c '(exec 3<>/dev/tcp/localhost/${openfireAdapter.s2sPort}) 2>/dev/null && (exec 3<>/dev/tcp/localhost/${openfireAdapter.c2sPort}) 2>/dev/null'`,

  // lib/xmppserver-<version>.jar, else the startup banner "Openfire <version> [<date>]".
  versionCommand: () =>
    `v=$(ls ${OPENFIRE_HOME}/lib 2>/dev/null | sed -n 's/^xmppserver-\\([0-9].*\\)\\.jar$/\\1/p' | head -n 1); ` +
    `[ -n "$v" ] || v=$(sed -n 's/.*Openfire \\([0-9][^ ]*\\) \\[.*/\\1/p' ${OPENFIRE_LOG} 2>/dev/null | head -n 1); ` +
    `echo "$v"`,

  parseAuthEvents: parseOpenfireAuthEvents,

  // Dialback is one property for the whole server (the TLS policy too, but that is per instance already).
  serverWideKey: (vhost) => `dialback=${vhost.dialback}`,

  // One XMPP domain per server: the plan gives every cell side its own container.
  maxVirtualHosts: 1,
};

export default openfireAdapter;
