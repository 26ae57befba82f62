// What every stage of a run stands on: the servers' images, the run's network, its
// name server and its CA. Images come first, all in parallel: a build failure stops
// the run before any server starts. close() removes what open() made.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { createCa, type TestCa } from "../../ca/index.ts";
import { ensureRelayImage } from "../capture/image.ts";
import { ensureDnsImage, startDns, type StartedDns } from "../docker/dns.ts";
import { detectLayout, ensureServerImage } from "../docker/images.ts";
import { runLabels } from "../docker/labels.ts";
import { describeEntry, entryOf, type RunServers } from "../named-servers.ts";
import { adapterFor } from "../servers/catalog.ts";
import type { CatalogEntry, ServerAdapter } from "../servers/adapter.ts";
import type { CellSpec } from "../../core/types.ts";
import type { Timings } from "./timings.ts";

export interface Environment {
  network: string;
  ca: TestCa;
  /** The name server's address, once it is up (the first server waits for it). */
  dns: () => Promise<string[]>;
  /** Server name → catalog entry (a user image's layout read) and image tag. */
  entries: Map<string, CatalogEntry>;
  images: Map<string, string>;
  /** The probe users' password, the same in every server of the run. */
  password: string;
  adapterOf: (server: string) => ServerAdapter;
}

/** Every image the cells need (built or checked), the name server's, and the relay's with --capture. */
export async function ensureImages(
  cells: CellSpec[],
  runServers: RunServers | undefined,
  capture: boolean,
  log: (s: string) => void,
  timings?: Timings,
): Promise<Pick<Environment, "entries" | "images" | "adapterOf">> {
  const end = timings?.start("image checks");
  const entries = new Map<string, CatalogEntry>();
  for (const c of cells) for (const s of [c.initiator.server, c.receiver.server]) entries.set(s, entryOf(s, runServers));
  const images = new Map<string, string>();
  await Promise.all(
    [...entries].map(async ([key, entry]) => {
      const image = await ensureServerImage(entry, adapterFor(entry.family), log);
      images.set(key, image);
      // A user image without `layout:` is read for it once present.
      if (entry.source.kind === "image" && !entry.source.layout) {
        const layout = await detectLayout(image);
        entries.set(key, { ...entry, source: { ...entry.source, layout } });
        log(`${key}: ${describeEntry(entry)}, layout ${layout} (${layout === "debian" ? "built FROM an s2s-matrix Debian image" : "the project's own layout"}; set layout: to override)`);
      }
    }),
  );
  await Promise.all([ensureDnsImage(log), capture ? ensureRelayImage(log) : undefined]);
  end?.();
  return { entries, images, adapterOf: (server) => adapterFor(entries.get(server)!.family) };
}

/**
 * The run's network, name server and CA. `close` removes them; it is handed out
 * before anything is made, so that a failure half-way still removes what was made.
 */
export function openEnvironment(
  d: Dockerode,
  runId: string,
  images: Pick<Environment, "entries" | "images" | "adapterOf">,
  opts: { keepKeysDir?: string; log: (s: string) => void; timings: Timings },
): { opening: Promise<Environment>; close: () => Promise<void> } {
  const network = `s2s-matrix-${runId}`;
  const { timings } = opts;
  let nameServer: Promise<StartedDns> | undefined;
  const opening = (async () => {
    const creatingCa = timings.time("CA", () => createCa({ tld: "example" }));
    creatingCa.catch(() => {}); // awaited below
    await timings.time("network", () => d.createNetwork({ Name: network, Driver: "bridge", Labels: runLabels(runId), CheckDuplicate: true }));
    // One name server per run (docker/dns.ts), starting while the CA is made.
    nameServer = timings.time("name server", () => startDns({ runId, network, log: opts.log }));
    nameServer.catch(() => {}); // awaited by the first server, and at the end
    const ca = await creatingCa;
    if (opts.keepKeysDir) await keepCa(opts.keepKeysDir, ca);
    const started = nameServer;
    return { ...images, network, ca, dns: async () => [(await started).ip], password: randomBytes(9).toString("base64url") };
  })();
  const close = async () => {
    await nameServer?.then((ns) => ns.stop(), () => {});
    await d.getNetwork(network).remove().catch(() => {});
  };
  return { opening, close };
}

/** `--keep`: the CA's own certificate and key beside the leaves, owner-only. */
async function keepCa(dir: string, ca: TestCa): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(join(dir, "ca.crt"), ca.cert);
  await writeFile(join(dir, "ca.key"), ca.key, { mode: 0o600 });
}
