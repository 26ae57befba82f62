// While a run lasts, nobody else can use its servers: their c2s ports are published
// on 127.0.0.1 only (the engine is local here), and they accept only the run's
// probe user with its per-run password (real Prosody and ejabberd).
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../../ca/index.ts";
import { resolveServer, adapterFor } from "../../harness/servers/catalog.ts";
import { docker, publishAddress } from "../../harness/docker/client.ts";
import { ensureServerImage } from "../../harness/docker/images.ts";
import { newRunId, runLabels } from "../../harness/docker/labels.ts";
import { startInstance, type StartedInstance } from "../../harness/instance.ts";
import { login, stopQuietly } from "../../harness/probe/probe.ts";
import { oneHostConfig, removeLabelled } from "./helpers.ts";

const SERVERS = ["ejabberd@23.01", "prosody@0.12.3"];

describe("a run's servers are its own", () => {
  const runId = newRunId();
  const network = `s2s-matrix-${runId}`;
  const password = randomBytes(9).toString("base64url");
  let d: Dockerode;
  let ca: Awaited<ReturnType<typeof createCa>>;
  const started = new Map<string, StartedInstance>();

  beforeAll(async () => {
    d = await docker();
    ca = await createCa({ tld: "example" });
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId) });
    await Promise.all(
      SERVERS.map(async (server, i) => {
        const entry = resolveServer(server);
        const adapter = adapterFor(entry.family);
        const domain = `x${i + 1}-a.example`;
        const config = await oneHostConfig(ca, domain, { dialback: "on", password });
        const image = await ensureServerImage(entry, adapter);
        started.set(server, await startInstance({ key: `${server}#1`, entry, adapter, image, config }, { runId, network, readyTimeoutMs: 120_000, log: () => {} }));
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...started.values()].map((i) => i.stop()));
    await removeLabelled(d, runId);
  }, 60_000);

  it.each(SERVERS)("%s: its c2s port is published on 127.0.0.1 only", async (server) => {
    expect(publishAddress()).toBe("127.0.0.1");
    const info = await d.getContainer(started.get(server)!.container.getId()).inspect();
    const port = `${adapterFor(resolveServer(server).family).c2sPort}/tcp`;
    expect(info.HostConfig.PortBindings?.[port]).toEqual([{ HostIp: "127.0.0.1", HostPort: "0" }]);
    // What the engine actually bound: no other address, no IPv6 wildcard.
    const bound = info.NetworkSettings.Ports[port] ?? [];
    expect(bound.length).toBeGreaterThan(0);
    for (const b of bound) expect(b.HostIp).toBe("127.0.0.1");
  });

  it.each(SERVERS)("%s: the probe user logs in with the run's password, and only with it", async (server) => {
    const inst = started.get(server)!;
    const domain = inst.spec.config.vhosts[0].domain;
    const ep = inst.endpoint(domain);
    await stopQuietly(await login(ep, ca.trustBundle, 20_000));
    await expect(login({ ...ep, password: "wrong-password" }, ca.trustBundle, 3_000)).rejects.toThrow(/not-authorized/);
    await expect(login({ ...ep, password: "" }, ca.trustBundle, 3_000)).rejects.toThrow();
    await expect(login({ ...ep, username: "admin" }, ca.trustBundle, 3_000)).rejects.toThrow(/not-authorized/);
  }, 120_000);
});
