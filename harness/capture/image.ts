// The relay's image: harness/images/relay plus ltx's streaming parser, copied
// from node_modules into a staging build context at build time (nothing is
// vendored in the repository). Tagged by a hash of every input, like the server
// images, so it is rebuilt only when relay.mjs, its Dockerfile or ltx change.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type Dockerode from "dockerode";
import { buildImage, ensureImage, IMAGES_DIR } from "../docker/images.ts";

export const RELAY_DIR = join(IMAGES_DIR, "relay");
const SUITE = "trixie";

/** The files of ltx the relay imports (its SAX tokenizer and Element), with the package's manifest and licence. */
export const LTX_FILES = ["package.json", "LICENSE", "src/parsers/ltx.js", "src/Element.js", "src/escape.js"];

/** ltx's package folder, as Node resolves it from this project. */
export function ltxDir(): string {
  // `require` resolves ltx's CommonJS entry (lib/ltx.js); the package root is one folder up.
  return dirname(dirname(createRequire(import.meta.url).resolve("ltx")));
}

/** Build context as `[path in context, absolute source]`, sorted: relay/* and relay/node_modules/ltx/*. */
export function relayContextFiles(): [string, string][] {
  const own = readdirSync(RELAY_DIR)
    .filter((n) => statSync(join(RELAY_DIR, n)).isFile())
    .map((n): [string, string] => [`relay/${n}`, join(RELAY_DIR, n)]);
  const ltx = LTX_FILES.map((f): [string, string] => [`relay/node_modules/ltx/${f}`, join(ltxDir(), f)]);
  return [...own, ...ltx].sort((a, b) => a[0].localeCompare(b[0]));
}

export function relayImageTag(): string {
  const h = createHash("sha256").update(SUITE);
  for (const [path, src] of relayContextFiles()) h.update(path).update(readFileSync(src));
  return `s2s-matrix/relay:${h.digest("hex").slice(0, 12)}`;
}

async function build(d: Dockerode, tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-relay-"));
  try {
    const files = relayContextFiles();
    for (const [path, src] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      copyFileSync(src, join(dir, path));
    }
    await buildImage(d, tag, {
      context: dir,
      src: files.map(([p]) => p),
      dockerfile: "relay/Dockerfile",
      buildargs: { SUITE },
      label: "relay",
      what: "the s2s capture relay",
      fix: "read the apt/docker error above (the image installs Debian's nodejs package)",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The relay image's tag, building it (and debian:bookworm if needed) on first use. */
export function ensureRelayImage(log: (s: string) => void = () => {}): Promise<string> {
  const tag = relayImageTag();
  return ensureImage(tag, { suite: SUITE, what: "", build: (d) => build(d, tag), log });
}
