// The relay between real servers: Prosody 13.0.7 → ejabberd 23.01 with a
// server-only certificate, dialback off (fails) and on (rescued), every s2s
// connection through the relay. RECORD_CAPTURE_FIXTURES=1 saves the relay's
// lines of each cell under harness/capture/fixtures/ for the unit tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parse as parseXml } from "ltx";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCa } from "../../ca/index.ts";
import { resolveServer, adapterFor } from "../servers/catalog.ts";
import { docker } from "../docker/client.ts";
import { ensureServerImage } from "../docker/images.ts";
import { newRunId, runLabels } from "../docker/labels.ts";
import { removeRun } from "../docker/cleanup.ts";
import { startInstance, type StartedInstance } from "../instance.ts";
import { probePair } from "../probe/probe.ts";
import type { InstanceConfig, VirtualHost } from "../servers/adapter.ts";
import type { MessageResult, PingResult } from "../../core/types.ts";
import { ensureRelayImage } from "./image.ts";
import { startRelay, type StartedRelay } from "./relay.ts";
import { captureFor, diagnoseCapture, type CellCapture } from "./transcript.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const log = (s: string) => console.log(`[relay.int] ${s}`);
const upstream = (domain: string) => `upstream.${domain}`;

/** A server as the harness starts one, reachable as `upstream.<domain>`: the domains themselves belong to the relay. */
async function startUpstream(server: string, key: string, config: InstanceConfig, runId: string, network: string): Promise<StartedInstance> {
  const entry = resolveServer(server);
  const adapter = adapterFor(entry.family);
  const image = await ensureServerImage(entry, adapter, log);
  return startInstance({ key, server, entry, adapter, image, config }, { runId, network, readyTimeoutMs: 120_000, log, aliases: (d) => [upstream(d)] });
}

interface CellRun {
  message: MessageResult;
  ping: PingResult;
  lines: string[];
  capture: CellCapture;
  diagnosis: string;
}

describe("TLS-intercepting relay between Prosody 13.0.7 and ejabberd 23.01 (server-only certificates)", () => {
  const runId = newRunId();
  const network = `s2s-matrix-${runId}`;
  const started: { stop(): Promise<void> }[] = [];
  let relay: StartedRelay;
  let prosody: StartedInstance;
  let ejabberd: StartedInstance;
  let trust = "";
  const cells: Record<"off" | "on", CellRun> = {} as never;
  const domains = {
    off: { initiator: "c1-a.example", receiver: "c1-b.example" },
    on: { initiator: "c2-a.example", receiver: "c2-b.example" },
  };

  beforeAll(async () => {
    const t0 = Date.now();
    const d = await docker();
    const [, , relayImage] = await Promise.all([
      ensureServerImage(resolveServer("prosody@13.0.7"), adapterFor("prosody"), log),
      ensureServerImage(resolveServer("ejabberd@23.01"), adapterFor("ejabberd"), log),
      ensureRelayImage(log),
    ]);
    log(`images ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId), CheckDuplicate: true });
    const ca = await createCa({ tld: "example" });
    trust = ca.trustBundle;
    const password = randomBytes(9).toString("base64url");
    const vhost = async (domain: string, dialback: "on" | "off"): Promise<VirtualHost> => ({
      domain,
      certificate: "server-only",
      dialback,
      tls: await ca.issue(domain, "server-only"),
    });
    const a = [await vhost(domains.off.initiator, "off"), await vhost(domains.on.initiator, "on")];
    const b = [await vhost(domains.off.receiver, "off"), await vhost(domains.on.receiver, "on")];
    const config = (vhosts: VirtualHost[]): InstanceConfig => ({ vhosts, users: [{ username: "probe", password }], trustedCa: trust, secureAuth: true });
    relay = await startRelay({
      runId,
      network,
      image: relayImage,
      hosts: [...a, ...b].map((v) => ({ domain: v.domain, tls: v.tls, upstream: upstream(v.domain), tickets: "small" as const })),
      trustedCa: trust,
      log,
    });
    started.push(relay);
    [prosody, ejabberd] = await Promise.all([
      startUpstream("prosody@13.0.7", "prosody", config(a), runId, network),
      startUpstream("ejabberd@23.01", "ejabberd", config(b), runId, network),
    ]);
    started.push(prosody, ejabberd);
    log(`relay and servers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    for (const k of ["off", "on"] as const) {
      const mark = relay.logs.mark();
      const t1 = Date.now();
      const { message, ping } = await probePair(prosody.endpoint(domains[k].initiator), ejabberd.endpoint(domains[k].receiver), trust, {
        loginMs: 20_000,
        messageMs: 15_000,
        pingMs: 6_000,
      });
      await new Promise((r) => setTimeout(r, 500)); // the relay's last lines (close, end)
      const lines = relay.logs.since(mark);
      const capture = captureFor(lines, domains[k]);
      const diagnosis = diagnoseCapture(capture, domains[k]);
      cells[k] = { message, ping, lines, capture, diagnosis };
      log(`dialback ${k}: message ${message.status}, ping ${ping.status}, ${lines.length} relay lines, ${Date.now() - t1} ms: ${diagnosis}`);
      if (process.env.RECORD_CAPTURE_FIXTURES) mkdirSync(FIXTURES, { recursive: true });
      if (process.env.RECORD_CAPTURE_FIXTURES) writeFileSync(join(FIXTURES, `p13-to-e23-dialback-${k}.relay.jsonl`), lines.join("\n") + "\n");
    }
  }, 900_000);

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop().catch(() => {})));
    const d = await docker();
    await d.getNetwork(network).remove().catch(() => {});
    await removeRun(runId).catch(() => {});
  });

  test("the relay's lines are JSON events with connection id, from, to, direction, timestamp", () => {
    const events = cells.off.lines.map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      expect(e.conn).toMatch(/^c\d+$/);
      expect(typeof e.t).toBe("string");
      expect(["i2r", "r2i", "relay"]).toContain(e.dir);
      expect("from" in e && "to" in e).toBe(true);
    }
  });

  test("dialback off: EXTERNAL offered after TLS, then <failure/> unsupported certificate purpose; no dialback offered", () => {
    const c = cells.off;
    expect(c.message.status).toBe("bounced");
    const out = c.capture.outbound;
    expect(out.length).toBeGreaterThanOrEqual(1);
    const s = out[0];
    expect(s.from).toBe(domains.off.initiator);
    expect(s.to).toBe(domains.off.receiver);
    expect(s.tls?.receiver?.version).toMatch(/^TLSv1\.[23]$/);
    expect(s.tls?.initiator?.version).toMatch(/^TLSv1\.[23]$/);
    expect(s.certificates.initiator?.eku).toEqual(["serverAuth"]);
    expect(s.certificates.receiver?.san).toContain(`DNS:${domains.off.receiver}`);
    expect(s.clientCertRequested).toBe(true);
    expect(s.features?.mechanisms).toContain("EXTERNAL");
    expect(s.features?.dialback).toBe(false);
    expect(s.sasl).toMatchObject({ mechanism: "EXTERNAL", result: "failure", condition: "not-authorized" });
    expect(s.sasl?.text).toMatch(/unsupported certificate purpose/);
    expect(s.dialback).toEqual([]);
    expect(c.diagnosis).toMatch(/offered EXTERNAL, then answered <not-authorized\/>: unsupported certificate purpose/);
    expect(c.diagnosis).toMatch(/EKU = serverAuth only/);
    expect(c.diagnosis).toMatch(/dialback not offered by c1-b\.example/);
  });

  test("dialback on: EXTERNAL refused, then dialback valid; the message is delivered", () => {
    const c = cells.on;
    expect(c.message.status).toBe("delivered");
    const s = c.capture.outbound.find((x) => x.dialback.some((d) => d.kind === "result"))!;
    expect(s).toBeDefined();
    expect(s.features?.dialback).toBe(true);
    expect(s.sasl).toMatchObject({ mechanism: "EXTERNAL", result: "failure" });
    expect(s.dialback).toContainEqual(expect.objectContaining({ kind: "result", type: "valid", dir: "r2i" }));
    expect(c.diagnosis).toMatch(/^EXTERNAL refused \(.*unsupported certificate purpose.*\); dialback: result valid/);
    // The reverse direction (ejabberd → Prosody, which accepts server-only certificates) and ejabberd's db:verify.
    expect(c.capture.inbound.some((x) => x.sasl?.mechanism === "EXTERNAL" && x.sasl.result === "success")).toBe(true);
    expect(c.capture.inbound.flatMap((x) => x.dialback)).toContainEqual(expect.objectContaining({ kind: "verify", type: "valid", dir: "r2i" }));
  });

  test("secrets never leave the relay: dialback keys and SASL payloads are redacted", () => {
    const all = [...cells.off.lines, ...cells.on.lines].map((l) => JSON.parse(l));
    const db = all.filter((e) => e.ev === "element" && /^db:(result|verify)$/.test(e.name));
    expect(db.length).toBeGreaterThan(0);
    for (const e of db) {
      const text = parseXml(e.xml).getText();
      if (text) expect(text).toMatch(/^\[dialback key: \d+ chars redacted\]$/);
    }
  });
});
