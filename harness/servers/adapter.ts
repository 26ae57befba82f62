// The one interface every server family implements. Adding a family is one file
// implementing ServerAdapter plus its line and entries in catalog.ts.
import type { AuthEvent, Dialback, HostCertificate, ProfileName } from "../../core/types.ts";
import type { Family } from "./catalog.ts";

export type { HostCertificate };

export interface VirtualHost {
  domain: string;
  certificate: ProfileName;
  dialback: Dialback;
  tls: HostCertificate;
}

/** A stanza the server dropped, unbounced, while it opened the s2s connection `from` → `to`. */
export interface DroppedStanza {
  /** The stanza's element: message, iq, presence. */
  stanza: string;
  from: string;
  to: string;
  /** In the harness's words, with the server's cause. */
  reason: string;
  /** The server's record (its first 400 characters). */
  line: string;
}

export interface XmppUser {
  username: string;
  password: string;
}

/** Everything one server instance (container) is configured with. */
export interface InstanceConfig {
  vhosts: VirtualHost[];
  /** Users that exist on every vhost. */
  users: XmppUser[];
  /** PEM bundle of CAs the server trusts (the private test root). */
  trustedCa: string;
  /**
   * Require certificate-authenticated s2s (Prosody s2s_secure_auth, ejabberd starttls required)
   * in the harness's stock config; with a baseConfig the operator's file decides instead.
   */
  secureAuth: boolean;
  /**
   * The operator's own configuration file (scenario `config:`), read by the loader:
   * the base the adapter adds the cell's settings to. `file` is its path, for messages.
   */
  baseConfig?: { file: string; text: string };
}

export interface RenderedFile {
  path: string;
  content: string | Buffer;
  mode?: number;
}

/** What the harness needs to start one instance. */
export interface RenderedInstance {
  files: RenderedFile[];
  env?: Record<string, string>;
  /** Overrides the image's command. */
  command?: string[];
  /** Runs as root in the container after the files are copied, before start. */
  user?: string;
  /**
   * The s2s policy in force for the whole instance, as shown per cell: option → value
   * and where it comes from, e.g. `s2s_secure_auth: "false (your config)"`.
   */
  settings?: Record<string, string>;
  /** Settings of one virtual host (e.g. dialback), by domain; they add to `settings`. */
  hostSettings?: Record<string, Record<string, string>>;
  /** What of the operator's config was overridden or left out, and why. */
  notices?: string[];
}

/** Where a server keeps its files: s2s-matrix's Debian images, or the projects' own (upstream-layouts.ts). */
export type LayoutKind = "debian" | "upstream";

/**
 * How an image is obtained. debian: built here; upstream: the project's published
 * image; image: a user's own image of a known family (scenario `image:`), whose
 * layout is given or detected (harness/docker/images.ts detectLayout).
 */
export type ImageSource =
  | { kind: "debian"; suite: string; package: string; packageVersion: string; aptOptions?: string[] }
  | { kind: "upstream"; image: string }
  | { kind: "image"; image: string; layout?: LayoutKind };

export interface CatalogEntry {
  family: Family;
  /** "" for a user image: its version is read from the running server. */
  version: string;
  source: ImageSource;
  /** Free text shown by `s2s-matrix servers`. */
  note?: string;
}

/** `F`: the family's name, a literal (`ServerAdapter<"prosody">`): catalog.ts derives Family from it. */
export interface ServerAdapter<F extends string = string> {
  family: F;
  /** Directory (relative to harness/images) holding the Dockerfile for Debian-built entries. */
  dockerContext: string;
  c2sPort: number;
  s2sPort: number;
  /** Files, env and command that configure an instance for the given vhosts. */
  render(entry: CatalogEntry, config: InstanceConfig): RenderedInstance;
  /** Shell command (run with sh -c in the container) whose exit 0 means the server is up. */
  readyCommand(entry: CatalogEntry): string;
  /**
   * A line on the container's stdout after which the server is up; preferred to
   * readyCommand where given (polling with `docker exec` costs CPU that a dozen
   * containers starting together on two cores do not have). A c2s login follows either way.
   */
  readyLogLine?(entry: CatalogEntry): RegExp;
  /** Shell command printing the installed server version. */
  versionCommand(entry: CatalogEntry): string;
  /**
   * The version the server itself announces in its log (Prosody's greeting, ejabberd's
   * "is started" line); preferred for a user image, whose packaging we do not know.
   */
  versionFromLog?(lines: string[]): string | undefined;
  /** Reads s2s authentication facts out of log lines. Pure: unit-tested on saved logs. */
  parseAuthEvents(lines: string[]): AuthEvent[];
  /**
   * Stanzas the server logged as dropped without a bounce (ejabberd, when its s2s
   * manager answers too late): a cell that lost one has no verdict. Pure, on the raw lines.
   */
  droppedStanzas?(lines: string[]): DroppedStanza[];
  /** Settings that can only be server-wide, as a key: cells whose keys differ need separate instances. */
  serverWideKey?(vhost: Pick<VirtualHost, "domain" | "certificate" | "dialback">): string;
  /** Most virtual hosts one instance can serve (Openfire: 1, one XMPP domain per server); undefined = no limit. */
  maxVirtualHosts?: number;
  /**
   * Every stanza it bounces as initiator comes after a line parseAuthEvents reads as a
   * final event on that stream (ejabberd's "Failed to establish outbound …", Prosody's
   * "Sending error replies …"): a cell whose message it bounced reads the logs on until
   * that line, which says why (runner/cell.ts). jabberd2 bounces without one.
   */
  logsBeforeBounce?: boolean;
  /**
   * Its self-pair's verdict depends on what else the process is doing (jabberd2): the
   * planner gives each self-pair cell two containers of its own in every mode (plan.ts).
   */
  quietSelfPair?: boolean;
  /**
   * The TLS 1.3 session tickets it sends an initiator that presented a certificate:
   * "small" (stateful, under 100 bytes each: Prosody, ejabberd) or "large" (stateless,
   * the client certificate inside, over 1 KiB together: jabberd2). The capture relay
   * sends its own tickets the same size, because a peer can fail on one size and not
   * the other (jabberd2 on a record split across its 1 KiB reads). Default "small".
   */
  sessionTickets?: "small" | "large";
}
