// A c2s client built from xmpp.js parts. It differs from @xmpp/client in one
// way only: STARTTLS trusts the run's private CA (xmpp.js's own starttls offers
// no `ca` option, and NODE_EXTRA_CA_CERTS is read only at process start).
import { Client, xml } from "@xmpp/client-core";
import tcp from "@xmpp/tcp";
import middleware from "@xmpp/middleware";
import streamFeatures from "@xmpp/stream-features";
import iqCaller from "@xmpp/iq/caller.js";
import iqCallee from "@xmpp/iq/callee.js";
import sasl from "@xmpp/sasl";
import plain from "@xmpp/sasl-plain";
import scramsha1 from "@xmpp/sasl-scram-sha-1";
import resourceBinding from "@xmpp/resource-binding";
import TlsSocket from "@xmpp/tls/lib/Socket.js";
import { promise } from "@xmpp/events";
import SASLFactory from "saslmechanisms";
import { isLoopback } from "../../core/loopback.ts";

const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";
const ignore = () => {};

export interface ClientOptions {
  /** xmpp://host:port the client dials (the container's mapped c2s port). */
  service: string;
  /** The XMPP domain (virtual host) to log in to. */
  domain: string;
  username: string;
  password: string;
  /** PEM of the CA the server's certificate chains to. */
  ca: string;
  /** false: do not verify the server's certificate (a profile meant to fail, e.g. expired). Default true. */
  verify?: boolean;
}

// xmpp.js ships no types; this is the part of its entity the probe uses.
export interface XmppClient {
  jid?: { toString(): string };
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(el: unknown): Promise<void>;
  on(event: string, fn: (...args: any[]) => void): void;
  removeListener(event: string, fn: (...args: any[]) => void): void;
  iqCaller: { request(el: unknown, timeout?: number): Promise<any> };
  socket?: unknown;
}

/**
 * Drops a client whose login failed: it has no session to close, and a graceful stop
 * would wait on a server that never answers for 4 s (xmpp.js's two 2 s waits).
 */
export function discard(c: XmppClient): void {
  const s = c.socket as { destroy?(): void; socket?: { destroy(): void } | null } | undefined;
  // xmpp.js's TLS socket wraps Node's, which it does not expose a destroy for.
  if (s?.destroy) s.destroy();
  else s?.socket?.destroy();
}

/**
 * Whether the probe negotiates STARTTLS on c2s: where the server requires it (an operator's
 * own config, Openfire), and wherever the connection leaves this machine (a remote engine's
 * published port: the login's password would cross a network). c2s is only how the probe
 * reaches the servers, so on loopback the harness's own configs leave it unencrypted:
 * its TLS cost 11–16 % of a Let's Encrypt run's CPU and tested nothing.
 */
export function startTlsWanted(service: string, required: boolean): boolean {
  return required || !isLoopback(new URL(service).hostname);
}

export function createClient(opts: ClientOptions): XmppClient {
  const entity = new Client({ service: opts.service, domain: opts.domain });
  // A socket detached by xmpp.js (after a failed login, during stop) can still
  // emit ECONNRESET with no listener left, which would crash the whole run:
  // every socket gets a listener of last resort. While attached, errors still
  // reach the entity and reject start().
  // xmpp.js drops its parser when a stream ends (stop, a server's close) while the TLS
  // socket may still deliver bytes: its data handler would then throw outside any
  // promise (seen under load in CI). Late bytes of an ended stream are ignored.
  const onData = entity._onData;
  entity._onData = function (this: { parser: unknown }, data: Buffer) {
    if (this.parser) onData.call(this, data);
  };
  const attach = entity._attachSocket.bind(entity);
  entity._attachSocket = (socket: NodeJS.EventEmitter) => {
    socket.on("error", ignore);
    return attach(socket);
  };
  // @xmpp/connection's start() creates its "online" promise before opening the
  // stream; when the socket resets during open() both reject, open()'s error is
  // thrown and the "online" rejection is left unhandled. Same steps, handled.
  entity.start = async function start(this: any) {
    if (this.status !== "offline") throw new Error("Connection is not offline");
    const { service, domain, lang } = this.options;
    await this.connect(service);
    const online = promise(this, "online");
    online.catch(ignore); // its failure is the one open() throws
    await this.open({ domain, lang });
    return online;
  };
  tcp({ entity });
  const mw = middleware({ entity });
  const features = streamFeatures({ middleware: mw });
  const caller = iqCaller({ middleware: mw, entity });
  // xmpp.js keeps a request whose reply never came pending (with its timer) after the
  // stream is gone, until its own bound: a ping's 60 s timer kept every finished run
  // alive a minute after its reports. A stream that ends ends its requests.
  const endRequests = () => {
    for (const pending of caller.handlers.values()) pending.reject(new Error("stream closed before the reply"));
    caller.handlers.clear();
  };
  entity.on("disconnect", endRequests);
  entity.on("offline", endRequests);
  iqCallee({ middleware: mw, entity }).get("urn:xmpp:ping", "ping", () => ({}));

  features.use("starttls", NS_TLS, async ({ entity: e }: any, next: () => unknown, feature: { getChild(name: string): unknown }) => {
    if (!startTlsWanted(opts.service, !!feature.getChild("required"))) return next();
    const el = await e.sendReceive(xml("starttls", { xmlns: NS_TLS }));
    if (!el.is("proceed", NS_TLS)) throw new Error("STARTTLS refused by server");
    const socket = new TlsSocket();
    socket.on("error", ignore);
    // No SNI: the server picks the host's certificate by the stream's `to` anyway, and
    // ejabberd < 25 spends ~1.5 ms per virtual host on each SNI lookup (88 ms with
    // 52 hosts, 3 ms without SNI). The name is still checked against `host`.
    socket.connect({ socket: e.socket, host: opts.domain, servername: "", ca: opts.ca, rejectUnauthorized: opts.verify !== false });
    socket.socket?.on("error", ignore);
    await promise(socket, "connect");
    e._attachSocket(socket);
    await e.restart();
  });

  const factory = new SASLFactory();
  scramsha1(factory);
  plain(factory);
  sasl({ streamFeatures: features, saslFactory: factory }, async (done: any, mechanisms: string[]) => {
    // PLAIN works with every backend (ejabberd's extauth cannot do SCRAM); the harness's own
    // configs allow it unencrypted, an operator's that requires TLS gets it inside TLS.
    const mech = mechanisms.includes("PLAIN") ? "PLAIN" : mechanisms[0];
    await done({ username: opts.username, password: opts.password }, mech);
  });
  resourceBinding({ iqCaller: caller, streamFeatures: features }, "probe");
  return Object.assign(entity, { iqCaller: caller }) as unknown as XmppClient;
}
