// What the stand-in runner does for the third-party actions it knows, with directories
// in place of GitHub's services: the Actions cache (key, restore-keys by prefix, newest
// first, outputs cache-hit / cache-matched-key / cache-primary-key) and artifacts
// (upload-artifact@v4 / download-artifact@v4: one directory per artifact name), GitHub
// Pages (deploy-pages: the tar a Pages artifact holds, checked and unpacked into a
// directory); composite actions of others kept here as published (VENDORED).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { allows, type Permissions } from "./token.ts";

export interface StandInContext {
  with: Record<string, string>;
  workspace: string;
  /** Shared across the jobs of a workflow run (artifacts) and across runs (cache). */
  cacheDir: string;
  artifactsDir: string;
  warn(message: string): void;
  log(message: string): void;
  /** actions/checkout: what puts the repository into the workspace (undefined: the workspace is already the checkout). */
  checkout?: (workspace: string) => void;
  /** The job's GITHUB_TOKEN permissions, its environment's name, where Pages publishes. */
  permissions?: Permissions;
  environment?: string;
  pagesDir?: string;
}

export type StandIn = (ctx: StandInContext) => Record<string, string>;

const lines = (v: string | undefined): string[] => (v ?? "").split("\n").map((s) => s.trim()).filter(Boolean);
const at = (ctx: StandInContext, p: string): string => (isAbsolute(p) ? p : resolve(ctx.workspace, p));
const noGlob = (p: string, action: string) => {
  if (/[*?[\]]/.test(p) || p.startsWith("!")) throw new Error(`${action}: path '${p}': the stand-in runner supports literal paths only`);
};

interface CacheEntry {
  key: string;
  version: string;
  seq: number;
  dir: string;
}

function cacheEntries(cacheDir: string): CacheEntry[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir)
    .filter((d) => existsSync(join(cacheDir, d, "meta.json")))
    .map((d) => ({ ...(JSON.parse(readFileSync(join(cacheDir, d, "meta.json"), "utf8")) as Omit<CacheEntry, "dir">), dir: join(cacheDir, d) }));
}

/** The cache's "version": entries are only restored for the same paths, as in actions/cache. */
const cacheVersion = (paths: string[]): string => paths.join("|");

function checkKey(key: string, what: string): void {
  if (key.length > 512) throw new Error(`Key Validation Error: ${what} cannot be larger than 512 characters.`);
  if (key.includes(",")) throw new Error(`Key Validation Error: ${what} cannot contain commas.`);
}

const cacheRestore: StandIn = (ctx) => {
  const key = ctx.with.key ?? "";
  if (key === "") throw new Error("Input required and not supplied: key");
  const paths = lines(ctx.with.path);
  if (paths.length === 0) throw new Error("Input required and not supplied: path");
  const restoreKeys = lines(ctx.with["restore-keys"]);
  for (const k of [key, ...restoreKeys]) checkKey(k, k);
  const version = cacheVersion(paths);
  const entries = cacheEntries(ctx.cacheDir).filter((e) => e.version === version).sort((a, b) => b.seq - a.seq);
  const outputs: Record<string, string> = { "cache-primary-key": key };
  // The primary key matches exactly; each restore key, in order, as a prefix (newest first).
  const found = entries.find((e) => e.key === key) ?? restoreKeys.map((p) => entries.find((e) => e.key.startsWith(p))).find(Boolean);
  if (!found) {
    ctx.log(`Cache not found for input keys: ${[key, ...restoreKeys].join(", ")}`);
    return outputs;
  }
  paths.forEach((p, i) => {
    const src = join(found.dir, String(i));
    if (existsSync(src)) cpSync(src, at(ctx, p), { recursive: true });
  });
  ctx.log(`Cache restored from key: ${found.key}`);
  return { ...outputs, "cache-hit": String(found.key === key), "cache-matched-key": found.key };
};

const cacheSave: StandIn = (ctx) => {
  const key = ctx.with.key ?? "";
  if (key === "") throw new Error("Input required and not supplied: key");
  checkKey(key, key);
  const paths = lines(ctx.with.path);
  if (paths.length === 0) throw new Error("Input required and not supplied: path");
  const version = cacheVersion(paths);
  const entries = cacheEntries(ctx.cacheDir);
  if (entries.some((e) => e.key === key && e.version === version)) {
    ctx.warn(`Failed to save: Unable to reserve cache with key ${key}, another job may be creating this cache.`);
    return {};
  }
  if (!paths.some((p) => existsSync(at(ctx, p)))) {
    ctx.warn("Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.");
    return {};
  }
  const seq = Math.max(0, ...entries.map((e) => e.seq)) + 1;
  const dir = join(ctx.cacheDir, String(seq));
  mkdirSync(dir, { recursive: true });
  paths.forEach((p, i) => {
    if (existsSync(at(ctx, p))) cpSync(at(ctx, p), join(dir, String(i)), { recursive: true });
  });
  writeFileSync(join(dir, "meta.json"), JSON.stringify({ key, version, seq }));
  ctx.log(`Cache saved with key: ${key}`);
  return {};
};

/** Files under a path, hidden files and folders left out (upload-artifact >= 4.4's default). */
function filesUnder(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .filter((n) => !n.startsWith("."))
    .flatMap((n) => filesUnder(join(p, n)));
}

function commonAncestor(files: string[]): string {
  let dir = dirname(files[0]);
  while (!files.every((f) => f.startsWith(dir.endsWith(sep) ? dir : dir + sep))) dir = dirname(dir);
  return dir;
}

const uploadArtifact: StandIn = (ctx): Record<string, string> => {
  const name = ctx.with.name || "artifact";
  if (/["\:<>|*?\r\n\\/]/.test(name)) throw new Error(`The artifact name is not valid: ${name}`);
  const paths = lines(ctx.with.path);
  if (paths.length === 0) throw new Error("Input required and not supplied: path");
  paths.forEach((p) => noGlob(p, "upload-artifact"));
  const existing = paths.map((p) => at(ctx, p)).filter((p) => existsSync(p));
  const files = existing.flatMap(filesUnder);
  if (files.length === 0) {
    const mode = ctx.with["if-no-files-found"] || "warn";
    const msg = `No files were found with the provided path: ${paths.join("\n")}. No artifacts will be uploaded.`;
    if (mode === "error") throw new Error(msg);
    if (mode === "warn") ctx.warn(msg);
    return {};
  }
  const dest = join(ctx.artifactsDir, name);
  if (existsSync(dest)) {
    if (ctx.with.overwrite !== "true") throw new Error(`Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run`);
    rmSync(dest, { recursive: true, force: true });
  }
  // One directory given: its contents; several paths: relative to their common ancestor.
  const root = existing.length === 1 && statSync(existing[0]).isDirectory() ? existing[0] : commonAncestor(files);
  for (const f of files) {
    mkdirSync(dirname(join(dest, relative(root, f))), { recursive: true });
    cpSync(f, join(dest, relative(root, f)));
  }
  ctx.log(`Artifact ${name} uploaded: ${files.length} file(s)`);
  return { "artifact-id": String(readdirSync(ctx.artifactsDir).length) };
};

const globToRegExp = (g: string): RegExp => new RegExp(`^${g.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

const downloadArtifact: StandIn = (ctx) => {
  const target = at(ctx, ctx.with.path || ".");
  const all = existsSync(ctx.artifactsDir) ? readdirSync(ctx.artifactsDir).sort() : [];
  if (ctx.with.name) {
    if (!all.includes(ctx.with.name)) throw new Error(`Unable to download artifact(s): Artifact not found for name: ${ctx.with.name}`);
    cpSync(join(ctx.artifactsDir, ctx.with.name), target, { recursive: true });
    return { "download-path": target };
  }
  const re = ctx.with.pattern ? globToRegExp(ctx.with.pattern) : /.*/;
  const chosen = all.filter((n) => re.test(n));
  for (const n of chosen) cpSync(join(ctx.artifactsDir, n), ctx.with["merge-multiple"] === "true" ? target : join(target, n), { recursive: true });
  ctx.log(`Downloaded ${chosen.length} artifact(s): ${chosen.join(", ")}`);
  return { "download-path": target };
};

const checkout: StandIn = (ctx) => {
  ctx.checkout?.(ctx.workspace);
  return {};
};

const setupNode: StandIn = () => ({ "node-version": process.version });

/** Tar entries as GNU tar lists them (`tar -tvf`): the type letter and the path. */
function tarEntries(file: string): { type: string; path: string }[] {
  const listing = execFileSync("tar", ["-tvf", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return listing.split("\n").filter(Boolean).map((l) => ({ type: l[0], path: l.split(/\s+/).slice(5).join(" ") }));
}

/**
 * actions/deploy-pages: what the action and the Pages service refuse, with their words
 * (src/index.js, src/internal/api-client.js, deployment.js at the pinned commit), then the
 * artifact's tar unpacked into pagesDir, which is what the site serves.
 */
const deployPages: StandIn = (ctx) => {
  if (!allows(ctx.permissions?.["id-token"], "write")) throw new Error('Ensure GITHUB_TOKEN has permission "id-token: write".');
  if (!allows(ctx.permissions?.pages, "write")) throw new Error('Failed to create deployment (status: 403). Ensure GITHUB_TOKEN has permission "pages: write".');
  if (!ctx.environment) throw new Error("Failed to create deployment (status: 400). Responded with: Missing environment. Ensure your workflow's deployment job has an environment.");
  if (!ctx.pagesDir) throw new Error("deploy-pages: the stand-in runner was given no pagesDir to publish to");
  const name = ctx.with.artifact_name || "github-pages";
  const dir = join(ctx.artifactsDir, name);
  if (!existsSync(dir)) throw new Error(`No artifacts named "${name}" were found for this workflow run. Ensure artifacts are uploaded with actions/upload-artifact@v4 or later.`);
  // The service reads the artifact as one tar (what upload-pages-artifact makes) without links.
  const CONTENT = "Artifact could not be deployed. Please ensure the content does not contain any hard links, symlinks and total size is less than 10GB.";
  const files = readdirSync(dir);
  if (files.length !== 1 || !files[0].endsWith(".tar")) throw new Error(`${CONTENT} (the artifact holds ${files.join(", ") || "nothing"}, not one tar)`);
  const tar = join(dir, files[0]);
  const links = tarEntries(tar).filter((e) => e.type === "l" || e.type === "h");
  if (links.length) throw new Error(`${CONTENT} (links: ${links.map((e) => e.path).join(", ")})`);
  rmSync(ctx.pagesDir, { recursive: true, force: true });
  mkdirSync(ctx.pagesDir, { recursive: true });
  execFileSync("tar", ["-xf", tar, "-C", ctx.pagesDir]);
  ctx.log(`Deployed ${name} (${statSync(tar).size} bytes) to ${ctx.pagesDir}`);
  return { page_url: "https://s2s-matrix.pages.example/" };
};

const VENDORED_DIR = fileURLToPath(new URL("./vendored/", import.meta.url));

/** Others' composite actions, each at the one commit its copy in vendored/ was taken from. */
export const VENDORED: Record<string, { sha: string; dir: string }> = {
  "actions/upload-pages-artifact": { sha: "fc324d3547104276b827a68afc52ff2a11cc49c9", dir: join(VENDORED_DIR, "upload-pages-artifact") },
};

/** The copy of a vendored action for `uses:`; another commit than the copy's is refused, not guessed. */
export function vendoredAction(uses: string): string | undefined {
  const [ref, sha] = uses.split("@");
  const v = VENDORED[ref];
  if (!v) return undefined;
  if (sha !== v.sha) throw new Error(`uses: ${uses}: the stand-in runner has ${ref} at ${v.sha} only (test/action-runner/vendored/); copy the pinned commit's action.yml there to run another`);
  return v.dir;
}

/** By action name without its @ref. */
export const STAND_INS: Record<string, StandIn> = {
  "actions/cache/restore": cacheRestore,
  "actions/cache/save": cacheSave,
  "actions/upload-artifact": uploadArtifact,
  "actions/download-artifact": downloadArtifact,
  "actions/checkout": checkout,
  "actions/setup-node": setupNode,
  "actions/deploy-pages": deployPages,
};
