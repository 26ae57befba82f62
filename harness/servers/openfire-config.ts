// Openfire's configuration files: openfire.xml (autosetup, s2s properties) and the log4j2
// layout that puts the s2s lines on stdout. Where the image keeps them: openfire.ts.
import { escapeXml } from "../../core/text.ts";
import type { InstanceConfig, VirtualHost } from "./adapter.ts";

export const OPENFIRE_HOME = "/usr/local/openfire";
/** Where the entrypoint copies stock config from on first start. */
export const CONF_ORG = `${OPENFIRE_HOME}/conf_org`;
export const SECURITY_ORG = `${OPENFIRE_HOME}/resources/security_org`;
/** log4j2 config the launcher passes with -Dlog4j.configurationFile (entrypoint.sh / bin/openfire.sh). */
export const LOG4J_CONFIG = `${OPENFIRE_HOME}/lib/log4j2.xml`;
/** Written by our log4j2.xml; /usr/local/openfire/logs is the entrypoint's symlink to /var/log/openfire. */
export const OPENFIRE_LOG = `${OPENFIRE_HOME}/logs/openfire.log`;

/** The server-wide s2s properties for one instance, as Openfire names them (ConnectionSettings.Server). */
export function s2sProperties(vhost: VirtualHost, secureAuth: boolean): Record<string, string> {
  return {
    // ServerDialback.isEnabled(): offer and use dialback, in and out.
    "xmpp.server.dialback.enabled": vhost.dialback === "on" ? "true" : "false",
    // Connection.TLSPolicy: disabled | optional | required.
    "xmpp.server.tls.policy": secureAuth ? "required" : "optional",
    // Connection.ClientAuth for inbound s2s TLS: disabled | wanted | needed. `needed` makes the
    // TLS handshake itself fail without a certificate the truststore accepts.
    "xmpp.server.cert.policy": secureAuth ? "needed" : "wanted",
  };
}

/**
 * The probe's c2s (harness/probe/client.ts negotiates STARTTLS only where a server requires it):
 * required here, as a plaintext c2s login to Openfire could not be tried (it cannot run on this
 * machine), so its probe logs in inside TLS.
 */
const PROBE_C2S_PROPERTIES: Record<string, string> = { "xmpp.client.tls.policy": "required" };

const xml = (text: string): string => escapeXml(text);

/** Nested elements for dotted property names: `a.b.c=v` -> <a><b><c>v</c></b></a> (openfire.xml's convention). */
function propertiesXml(props: Record<string, string>, indent: string): string {
  interface Node {
    value?: string;
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const [name, value] of Object.entries(props)) {
    let node = root;
    for (const part of name.split(".")) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  const write = (node: Node, pad: string): string =>
    [...node.children]
      .map(([tag, child]) =>
        child.value !== undefined
          ? `${pad}<${tag}>${xml(child.value)}</${tag}>\n`
          : `${pad}<${tag}>\n${write(child, pad + "  ")}${pad}</${tag}>\n`,
      )
      .join("");
  return write(root, indent);
}

/**
 * conf/openfire.xml with an <autosetup> block (XMPPServer.runAutoSetup): the setup wizard is
 * skipped, the embedded HSQLDB is used, the admin and the users are created. When autosetup
 * finishes, finalSetupSteps() copies every other XML property into the database, which is
 * where Openfire reads xmpp.server.* from; the <autosetup> block is then deleted.
 * Shape follows distribution/src/conf/openfire-demoboot.xml.
 */
export function openfireXml(vhost: VirtualHost, config: InstanceConfig, adminPassword: string): string {
  const domain = xml(vhost.domain);
  const users = config.users
    .map(
      (u, i) =>
        `      <user${i + 1}>\n` +
        `        <username>${xml(u.username)}</username>\n` +
        `        <password>${xml(u.password)}</password>\n` +
        `      </user${i + 1}>\n`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by s2s-matrix for one test instance. Openfire hosts one XMPP domain per server. -->
<jive>
  <adminConsole>
    <port>9090</port>
    <securePort>9091</securePort>
  </adminConsole>
  <locale>en</locale>
  <connectionProvider>
    <className>org.jivesoftware.database.EmbeddedConnectionProvider</className>
  </connectionProvider>
  <autosetup>
    <run>true</run>
    <locale>en</locale>
    <xmpp>
      <domain>${domain}</domain>
      <fqdn>${domain}</fqdn>
    </xmpp>
    <database>
      <mode>embedded</mode>
    </database>
    <admin>
      <email>admin@${domain}</email>
      <password>${xml(adminPassword)}</password>
    </admin>
    <users>
${users}    </users>
  </autosetup>
  <!-- Server-to-server policy (ConnectionSettings.Server) and the probe's c2s; copied into the database by autosetup. -->
${propertiesXml({ ...s2sProperties(vhost, config.secureAuth), ...PROBE_C2S_PROPERTIES }, "  ")}</jive>
`;
}

/** openfire.log's layout (stock lib/log4j2.xml) without %highlight, so no ANSI colours. */
const LOG_PATTERN = "%d{yyyy.MM.dd HH:mm:ss.SSS} %-5p [%t]: %c - %msg{nolookups}%n";

/**
 * log4j2 configuration replacing the stock lib/log4j2.xml: everything to stdout (the harness
 * streams it) and to openfire.log, and DEBUG for the packages whose loggers report s2s
 * authentication (most of those lines are debug-level): server (ServerDialback), session
 * (Local*ServerSession) and net (SASLAuthentication). Log.setDebugEnabled() only changes the
 * root logger, so these levels survive Openfire's own log-level handling.
 */
export function log4j2Xml(): string {
  const debug = ["server", "session", "net"]
    .map((p) => `    <Logger name="org.jivesoftware.openfire.${p}" level="debug"/>\n`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by s2s-matrix: Openfire's log layout, uncoloured, on stdout, with s2s debug logging. -->
<Configuration>
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="${LOG_PATTERN}"/>
    </Console>
    <File name="openfire" fileName="${OPENFIRE_LOG}" append="true">
      <PatternLayout pattern="${LOG_PATTERN}"/>
    </File>
  </Appenders>
  <Loggers>
${debug}    <Root level="info">
      <AppenderRef ref="stdout"/>
      <AppenderRef ref="openfire"/>
    </Root>
  </Loggers>
</Configuration>
`;
}
