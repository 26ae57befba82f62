// Server images: built from harness/images/<family>/Dockerfile for Debian
// entries, tagged by a hash of the build inputs so that an image is rebuilt
// only when its Dockerfile, scripts or catalog entry change.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type Dockerode from "dockerode";
import { docker } from "./client.ts";
import { baseSuite, ensureBaseImage } from "./base-images.ts";
import { LABEL_IMAGE } from "./labels.ts";
import { EnvironmentError } from "../errors.ts";
import type { CatalogEntry, ServerAdapter } from "../servers/adapter.ts";

export const IMAGES_DIR = fileURLToPath(new URL("../images", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The build context: the family's folder plus the shared scripts. */
function contextFiles(adapter: ServerAdapter): string[] {
  return [...filesUnder(join(IMAGES_DIR, "common")), ...filesUnder(join(IMAGES_DIR, adapter.dockerContext))]
    .map((p) => relative(IMAGES_DIR, p))
    .sort();
}

export function imageTag(entry: CatalogEntry, adapter: ServerAdapter): string {
  if (entry.source.kind === "upstream") return entry.source.image;
  const h = createHash("sha256").update(JSON.stringify(entry));
  for (const f of contextFiles(adapter)) h.update(f).update(readFileSync(join(IMAGES_DIR, f)));
  return `s2s-matrix/${entry.family}:${entry.version}-${h.digest("hex").slice(0, 10)}`;
}

export async function imagePresent(tag: string): Promise<boolean> {
  const d = await docker();
  return d.getImage(tag).inspect().then(() => true, () => false);
}

async function build(d: Dockerode, entry: CatalogEntry & { source: { kind: "debian" } }, adapter: ServerAdapter, tag: string): Promise<void> {
  const dist = entry.source.suite;
  const stream: NodeJS.ReadableStream = await (d.buildImage as (ctx: unknown, opts: unknown) => Promise<NodeJS.ReadableStream>)(
    { context: IMAGES_DIR, src: contextFiles(adapter) },
    {
      t: tag,
      dockerfile: `${adapter.dockerContext}/Dockerfile`,
      buildargs: { SUITE: baseSuite(dist), DIST: dist, VERSION: entry.source.packageVersion },
      labels: { [LABEL_IMAGE]: `${entry.family}@${entry.version}` },
      rm: "true",
      forcerm: "true",
    },
  );
  // testcontainers' build hides the daemon's message; keep the output to show it.
  const output: string[] = [];
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(
      stream,
      (err, res: { error?: string }[]) => {
        const failed = err?.message ?? res?.find((r) => r.error)?.error;
        failed ? reject(new Error(failed)) : resolve();
      },
      (ev: { stream?: string; error?: string }) => {
        if (ev.stream) output.push(...ev.stream.split("\n").filter(Boolean));
        if (ev.error) output.push(ev.error);
      },
    ),
  ).catch((e) => {
    throw new EnvironmentError(
      `building ${tag} (${entry.family} ${entry.version} from Debian ${dist}) failed: ${(e as Error).message}\n--- last build output ---\n${output.slice(-25).join("\n")}`,
      "read the apt/docker error above; if the archive moved, update harness/catalog.ts",
    );
  });
}

const pending = new Map<string, Promise<string>>();

/** Returns the image tag for the entry, building it (and its base image) if needed. */
export function ensureServerImage(entry: CatalogEntry, adapter: ServerAdapter, log: (s: string) => void = () => {}): Promise<string> {
  const tag = imageTag(entry, adapter);
  let p = pending.get(tag);
  if (!p) {
    p = (async () => {
      const d = await docker();
      if (await imagePresent(tag)) return tag;
      if (entry.source.kind === "upstream") {
        throw new EnvironmentError(
          `image ${tag} for ${entry.family}@${entry.version} is not present and s2s-matrix does not pull upstream images itself`,
          `docker pull ${tag} (or docker load it), or mark the server optional in the scenario`,
        );
      }
      await ensureBaseImage(baseSuite(entry.source.suite), log);
      const t0 = Date.now();
      log(`building ${tag} from Debian ${entry.source.suite}…`);
      await build(d, entry as CatalogEntry & { source: { kind: "debian" } }, adapter, tag);
      log(`built ${tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return tag;
    })();
    pending.set(tag, p);
    p.catch(() => pending.delete(tag));
  }
  return p;
}
