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
import { withHostLock } from "./host-lock.ts";
import { LABEL_IMAGE } from "./labels.ts";
import { STAGE_TIMEOUTS_MS, within } from "./deadline.ts";
import { EnvironmentError } from "../../core/errors.ts";
import type { CatalogEntry, LayoutKind, ServerAdapter } from "../servers/adapter.ts";

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
  if (entry.source.kind !== "debian") return entry.source.image;
  const h = createHash("sha256").update(JSON.stringify(entry));
  for (const f of contextFiles(adapter)) h.update(f).update(readFileSync(join(IMAGES_DIR, f)));
  return `s2s-matrix/${entry.family}:${entry.version}-${h.digest("hex").slice(0, 10)}`;
}

export async function imagePresent(tag: string): Promise<boolean> {
  const d = await docker();
  return d.getImage(tag).inspect().then(() => true, () => false);
}

/**
 * The layout of a user's image: an image built FROM one of s2s-matrix's Debian
 * images inherits their `s2s-matrix.image` label (and their start script and
 * paths); any other image is taken to follow the project's own upstream layout.
 */
export async function detectLayout(tag: string): Promise<LayoutKind> {
  const d = await docker();
  const info = await d.getImage(tag).inspect();
  return info.Config?.Labels?.[LABEL_IMAGE] ? "debian" : "upstream";
}

/** `docker pull` through the engine (`--pull`); a failure is an EnvironmentError naming the image and the registry's words. */
export async function pullImage(tag: string, log: (s: string) => void = () => {}): Promise<void> {
  const d = await docker();
  const t0 = Date.now();
  log(`pulling ${tag}…`);
  try {
    const stream = await d.pull(tag);
    await new Promise<void>((resolve, reject) =>
      d.modem.followProgress(stream, (err: Error | null, res: { error?: string }[]) => {
        const failed = err?.message ?? res?.find((r) => r.error)?.error;
        failed ? reject(new Error(failed)) : resolve();
      }),
    );
  } catch (e) {
    throw new EnvironmentError(
      `pulling ${tag} failed: ${(e as Error).message.split("\n")[0]}\nnothing was started`,
      `check the image name and that this machine can reach its registry (docker login for a private one); without registry access: docker save it elsewhere, then docker load -i <file>.tar`,
    );
  }
  log(`pulled ${tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export interface BuildSpec {
  /** Folder sent as the build context, and the files of it to send. */
  context: string;
  src: string[];
  dockerfile: string;
  buildargs: Record<string, string>;
  /** Value of the s2s-matrix.image label: what the image is for. */
  label: string;
  /** For the error message: what was being built, and how to fix it. */
  what: string;
  fix: string;
}

/** Builds with the daemon's own output kept: testcontainers' build hides the real apt/docker error. */
export async function buildImage(d: Dockerode, tag: string, b: BuildSpec, timeoutMs: number = STAGE_TIMEOUTS_MS.imageBuild): Promise<void> {
  const output: string[] = [];
  try {
    const stream: NodeJS.ReadableStream = await (d.buildImage as (ctx: unknown, opts: unknown) => Promise<NodeJS.ReadableStream>)(
      { context: b.context, src: b.src },
      { t: tag, dockerfile: b.dockerfile, buildargs: b.buildargs, labels: { [LABEL_IMAGE]: b.label }, rm: "true", forcerm: "true" },
    );
    const built = new Promise<void>((resolve, reject) =>
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
    );
    // Closing the connection cancels the build in the engine.
    const cancel = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    await within(timeoutMs, "image build", built, { onTimeout: cancel });
  } catch (e) {
    throw new EnvironmentError(
      `building ${tag} (${b.what}) failed: ${(e as Error).message}\n--- last build output ---\n${output.slice(-25).join("\n")}`,
      b.fix,
    );
  }
}

function build(d: Dockerode, entry: CatalogEntry & { source: { kind: "debian" } }, adapter: ServerAdapter, tag: string): Promise<void> {
  const dist = entry.source.suite;
  return buildImage(d, tag, {
    context: IMAGES_DIR,
    src: contextFiles(adapter),
    dockerfile: `${adapter.dockerContext}/Dockerfile`,
    buildargs: { SUITE: baseSuite(dist), DIST: dist, VERSION: entry.source.packageVersion },
    label: `${entry.family}@${entry.version}`,
    what: `${entry.family} ${entry.version} from Debian ${dist}`,
    // Debian's archive keeps only a suite's newest version: the user's way on comes first.
    fix:
      `read the apt/docker error above. If the archive installed another version, Debian moved on: leave ${entry.family}@${entry.version} ` +
      "out of the scenario and use an s2s-matrix whose catalog has the archive's version (in its repository: harness/servers/catalog.ts)",
  });
}

const pending = new Map<string, Promise<string>>();

/**
 * The image `tag`, built by `build` (on `suite`'s base image) unless present.
 * Asked for concurrently (in this process or by others), it is built once; a failed build
 * is tried again on the next call.
 */
export function ensureImage(
  tag: string,
  o: { suite: string; what: string; build: (d: Dockerode) => Promise<void>; log?: (s: string) => void },
): Promise<string> {
  const log = o.log ?? (() => {});
  let p = pending.get(tag);
  if (!p) {
    p = (async () => {
      const d = await docker();
      if (await imagePresent(tag)) return tag;
      await ensureBaseImage(o.suite, log);
      // Another s2s-matrix process may be building the same tag: wait for it, then reuse it.
      await withHostLock(
        `image-${tag}`,
        async () => {
          if (await imagePresent(tag)) return;
          const t0 = Date.now();
          log(`building ${tag}${o.what}…`);
          await o.build(d);
          log(`built ${tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        },
        () => log(`waiting for another s2s-matrix that is building ${tag}…`),
      );
      return tag;
    })();
    pending.set(tag, p);
    p.catch(() => pending.delete(tag));
  }
  return p;
}

/** Returns the image tag for the entry, building it (and its base image) if needed. */
export function ensureServerImage(entry: CatalogEntry, adapter: ServerAdapter, log: (s: string) => void = () => {}): Promise<string> {
  const tag = imageTag(entry, adapter);
  const source = entry.source;
  if (source.kind !== "debian") {
    return imagePresent(tag).then((present) => {
      if (present) return tag;
      throw new EnvironmentError(
        `image ${tag} for ${entry.family}${entry.version ? `@${entry.version}` : ""} is not present and was not pulled`,
        `docker pull ${tag} (or docker load it), run with --pull, or mark the server optional in the scenario`,
      );
    });
  }
  return ensureImage(tag, {
    suite: baseSuite(source.suite),
    what: ` from Debian ${source.suite}`,
    build: (d) => build(d, entry as CatalogEntry & { source: { kind: "debian" } }, adapter, tag),
    log,
  });
}
