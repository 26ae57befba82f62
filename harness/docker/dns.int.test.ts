// The run's name server really takes the lookups Docker forwards: a server's SRV
// query for a test domain is answered "no such domain" by it and never reaches the
// host's resolver; container aliases still resolve, on the run's network alone.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Wait } from "testcontainers";
import { resolveServer, adapterFor } from "../servers/catalog.ts";
import { docker } from "./client.ts";
import { ensureServerImage } from "./images.ts";
import { newRunId, runLabels } from "./labels.ts";
import { removeRun } from "./cleanup.ts";
import { RunContainer, startDns, type StartedDns } from "./dns.ts";

const runId = newRunId();
const network = `s2s-matrix-${runId}`;
let dns: StartedDns;
let output = "";
let networks: string[] = [];

// Erlang's own resolver (ejabberd's image): it reads /etc/resolv.conf like the servers do.
const LOOKUPS = [
  'Srv = timer:tc(inet_res, resolve, ["_xmpp-server._tcp.c1-b.example", in, srv]),',
  'io:format("srv ~p~n", [Srv]),',
  'io:format("a ~p~n", [inet_res:lookup("c1-a.example", in, a)]),',
  "halt().",
].join(" ");

describe("the run's name server", () => {
  beforeAll(async () => {
    const d = await docker();
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId) });
    dns = await startDns({ runId, network, logQueries: true });
    const entry = resolveServer("ejabberd@23.01");
    const image = await ensureServerImage(entry, adapterFor(entry.family));
    const c = await new RunContainer(image)
      .withDns([dns.ip])
      .withLabels(runLabels(runId))
      .withRunNetwork(network, ["c1-a.example"])
      .withEntrypoint(["erl"])
      .withCommand(["-noshell", "-eval", LOOKUPS])
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(60_000)
      .start();
    output = (await (await c.logs()).toArray()).join("");
    networks = Object.keys((await d.getContainer(c.getId()).inspect()).NetworkSettings.Networks);
  }, 240_000);

  afterAll(async () => {
    await dns?.stop();
    await removeRun(runId);
  });

  test("an SRV lookup of a test domain: no such domain, answered by it", () => {
    expect(output).toMatch(/srv \{\d+,\{error,nxdomain\}\}/);
    expect(dns.logs.lines.some((l) => l.includes("query[SRV] _xmpp-server._tcp.c1-b.example"))).toBe(true);
    expect(dns.logs.lines.some((l) => /_xmpp-server\._tcp\.c1-b\.example is NXDOMAIN/.test(l))).toBe(true);
  });

  test("a container is on the run's network only, not on Docker's default bridge (withRunNetwork)", () => {
    expect(networks).toEqual([network]);
  });

  test("a container alias still resolves (Docker answers it; it never reaches the name server)", () => {
    expect(output).toMatch(/a \[\{\d+,\d+,\d+,\d+\}\]/);
    expect(dns.logs.lines.some((l) => l.includes("c1-a.example"))).toBe(false);
  });
});
