// ejabberd's Erlang node does without epmd: on loaded cores the epmd it started itself
// was not yet listening when the node registered ("Protocol 'inet_tcp': register/listen
// error: econnrefused"), and the container stopped. Here epmd never listens at all.
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../../ca/index.ts";
import { adapterFor, resolveServer } from "../../harness/servers/catalog.ts";
import { docker } from "../../harness/docker/client.ts";
import { ensureServerImage } from "../../harness/docker/images.ts";
import { newRunId, runLabels } from "../../harness/docker/labels.ts";
import { startInstance, type StartedInstance } from "../../harness/instance.ts";
import type { InstanceConfig } from "../../harness/servers/adapter.ts";
import { buildFrom, removeImage } from "../user-image.ts";
import { labelled, oneHostConfig, removeLabelled } from "./helpers.ts";

/** The listening TCP sockets in /proc/net/tcp's words: "127.0.0.1:5210". */
function listeners(procNetTcp: string): string[] {
  return procNetTcp
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === "0A")
    .map(([, local]) => {
      const [ip, port] = local.split(":");
      const octets = ip.match(/../g)!.map((h) => parseInt(h, 16)).reverse();
      return `${octets.join(".")}:${parseInt(port, 16)}`;
    });
}

describe("ejabberd where epmd never listens", () => {
  const runId = newRunId();
  const network = `s2s-matrix-${runId}`;
  const image = `s2s-matrix-test/no-epmd-ejabberd:${process.pid}`;
  const entry = resolveServer("ejabberd@23.01");
  let d: Dockerode;
  let config: InstanceConfig;
  let instance: StartedInstance | undefined;

  beforeAll(async () => {
    d = await docker();
    const base = await ensureServerImage(entry, adapterFor("ejabberd"));
    // Erlang starts epmd from its erts directory: that binary now exits at once.
    const epmd = "$(readlink -f /usr/lib/erlang/bin/epmd)";
    buildFrom(base, image, `RUN printf '#!/bin/sh\\nexit 1\\n' > ${epmd}`);
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId) });
    const ca = await createCa({ tld: "example", keyType: "ec" });
    config = await oneHostConfig(ca, "epmd-a.example", { dialback: "off", password: "not-a-secret" });
  }, 180_000);

  afterAll(async () => {
    await instance?.stop();
    await removeLabelled(d, runId);
    removeImage(image);
  }, 60_000);

  it("starts and logs a client in; its distribution listens on loopback only", async () => {
    const logs: string[] = [];
    instance = await startInstance(
      { key: "ejabberd@23.01#no-epmd", entry, adapter: adapterFor("ejabberd"), image, config },
      { runId, network, readyTimeoutMs: 60_000, log: (s) => logs.push(s) },
    );
    expect(logs.some((l) => / ready \(/.test(l))).toBe(true);
    const { output } = await instance.container.exec(["cat", "/proc/net/tcp"]);
    const open = listeners(output);
    expect(open).toContain("127.0.0.1:5210");
    // Neither epmd (4369) nor a distribution port off loopback: beyond it, XMPP's own ports only.
    expect(open.filter((l) => l.endsWith(":4369"))).toEqual([]);
    expect(open.filter((l) => !l.startsWith("127.") && !/:(5222|5269)$/.test(l))).toEqual([]);
    await instance.stop();
    instance = undefined;
    expect((await labelled(d, runId)).containers).toEqual([]);
  }, 120_000);
});
