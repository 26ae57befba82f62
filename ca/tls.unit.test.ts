// The real problem in miniature: a TLS server that demands a client certificate (as an
// s2s receiver doing certificate auth does) refuses a serverAuth-only certificate.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { HostCertificate } from "../core/types.ts";
import { createCa, type TestCa } from "./index.ts";
import { PROFILE_NAMES, verifiableAsServer } from "./profiles.ts";

interface ServerVerdict {
  accepted: boolean;
  authorized?: boolean;
  peer?: string;
  error?: string;
}

let ca: TestCa;
let serverLeaf: HostCertificate;
let server: tls.Server;
let port: number;
const open = new Set<tls.TLSSocket>();
let next: ((v: ServerVerdict) => void) | undefined;

beforeAll(async () => {
  ca = await createCa({ intermediate: true });
  serverLeaf = await ca.issue("receiver.example", "dual-eku");
  server = tls.createServer({
    key: serverLeaf.key,
    cert: serverLeaf.fullchain,
    ca: ca.trustBundle,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on("secureConnection", (s) => {
    open.add(s);
    s.on("error", () => {});
    next?.({ accepted: true, authorized: s.authorized, peer: String(s.getPeerCertificate().subject.CN) });
  });
  // With rejectUnauthorized, Node drops the socket after the handshake: the reason is the
  // socket's authorizationError (an OpenSSL verify code), not the error's message.
  server.on("tlsClientError", (err, s) =>
    next?.({ accepted: false, error: String((s as tls.TLSSocket).authorizationError ?? err.message) }),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of open) s.destroy();
  if (server?.listening) await new Promise((resolve) => server.close(resolve));
});

/** Connects with `client` as the client certificate; resolves with what the server decided. */
async function connectAs(client: HostCertificate): Promise<ServerVerdict> {
  const verdict = new Promise<ServerVerdict>((resolve) => (next = resolve));
  const socket = tls.connect({
    host: "127.0.0.1",
    port,
    servername: "receiver.example",
    ca: ca.trustBundle,
    key: client.key,
    cert: client.fullchain,
  });
  open.add(socket);
  // A refused client sees an alert or a reset; the server's verdict is what we assert.
  socket.on("error", () => {});
  try {
    return await verdict;
  } finally {
    next = undefined;
    socket.destroy();
  }
}

it("rejects a server-only (serverAuth-only) client certificate", async () => {
  const v = await connectAs(await ca.issue("initiator.example", "server-only"));
  expect(v.accepted).toBe(false);
  expect(v.error).toBe("INVALID_PURPOSE"); // X509_V_ERR_INVALID_PURPOSE: no clientAuth EKU
});

it("accepts a dual-eku client certificate", async () => {
  const v = await connectAs(await ca.issue("initiator.example", "dual-eku"));
  expect(v).toEqual({ accepted: true, authorized: true, peer: "initiator.example" });
});

it("accepts a no-eku client certificate and rejects an untrusted one", async () => {
  expect((await connectAs(await ca.issue("initiator.example", "no-eku"))).accepted).toBe(true);
  const untrusted = await connectAs(await ca.issue("initiator.example", "untrusted"));
  expect(untrusted.accepted).toBe(false);
  expect(untrusted.error).toBe("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
});

// The probe's c2s client verifies a host's certificate only when verifiableAsServer
// says so: it must agree with what Node's own check of a TLS server does, per profile.
it.each(PROFILE_NAMES)("verifiableAsServer(%s) agrees with a TLS client's check of the server", async (profile) => {
  // One label below host.example, so that `wildcard` (*.host.example) covers it.
  const leaf = await ca.issue("a.host.example", profile);
  const srv = tls.createServer({ key: leaf.key, cert: leaf.fullchain });
  srv.on("secureConnection", (s) => s.destroy());
  srv.on("tlsClientError", () => {});
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  try {
    const verified = await new Promise<boolean>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port: (srv.address() as AddressInfo).port, servername: "a.host.example", ca: ca.trustBundle });
      s.on("secureConnect", () => (resolve(true), s.destroy()));
      s.on("error", () => resolve(false));
    });
    expect(verified).toBe(verifiableAsServer(profile));
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
