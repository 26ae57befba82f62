// The layering, as Playwright's DEPS.list files keep theirs: each folder names the
// folders its code may import, and no two folders may depend on each other. A file
// belongs to the deepest folder listed below; tests (*.test.ts) may import anything.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Folder → the folders it may import (besides itself and npm packages). */
export const DEPS: Record<string, string[]> = {
  // The vocabulary: types, errors, the cell label, the judge. Imports nothing of the project.
  core: [],
  ca: ["core"],
  // Adapters and the catalog of families and versions (the registry).
  "harness/servers": ["core", "ca"],
  scenarios: ["core", "harness/servers"],
  "harness/docker": ["core", "harness/servers"],
  "harness/probe": ["core"],
  "harness/capture": ["core", "harness/docker", "harness/servers"],
  "harness/report": ["core", "scenarios"],
  // The static site (s2s-matrix site): pages from results.json, with the reports' wording and escaping.
  "harness/site": ["core", "harness/report"],
  // The runner, the CLI and the library entry: everything below it.
  harness: ["core", "ca", "scenarios", "harness/servers", "harness/docker", "harness/probe", "harness/capture", "harness/report", "harness/site"],
};

/** Files outside these folders (test/, bin/, scripts/) are leaves nothing imports. */
const CHECKED = ["core", "ca", "scenarios", "harness"];

const isTest = (file: string): boolean => /\.test\.ts$/.test(file);

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "fixtures" ? [] : tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** The deepest DEPS folder holding `file` (a repo-relative path), or undefined. */
export function folderOf(file: string): string | undefined {
  let best: string | undefined;
  for (const folder of Object.keys(DEPS)) {
    if (file.startsWith(`${folder}/`) && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best;
}

export interface Edge {
  file: string;
  specifier: string;
  target: string;
}

/** Every relative import (static, re-export, dynamic) of the project's .ts sources, tests left out. */
export function projectImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of CHECKED.flatMap(tsFiles).filter((f) => !isTest(f))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue; // an npm package or node: builtin
      const target = relative(ROOT, resolve(ROOT, dirname(file), fileName)).split("\\").join("/");
      if (target.endsWith(".ts")) edges.push({ file, specifier: fileName, target });
    }
  }
  return edges;
}

/** What is wrong with `edges` under `deps`, one line each. */
export function layerViolations(edges: Edge[], deps: Record<string, string[]> = DEPS): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const e of edges) {
    const from = folderOf(e.file);
    const to = folderOf(e.target);
    if (!from || !to) {
      problems.push(`${e.file} imports "${e.specifier}": ${!from ? e.file : e.target} is in no folder of DEPS (test/layers.unit.test.ts); add its folder there`);
      continue;
    }
    if (from === to) continue;
    used.add(`${from}\n${to}`);
    if (!deps[from]!.includes(to)) {
      const allowed = deps[from]!.length ? `only ${deps[from]!.join(", ")}` : "nothing of the project";
      problems.push(`${e.file} imports "${e.specifier}" (${to}): ${from} may import ${allowed}`);
    }
  }
  for (const pair of used) {
    const [a, b] = pair.split("\n");
    if (a! < b! && used.has(`${b}\n${a}`)) problems.push(`${a} and ${b} import each other`);
  }
  return problems;
}

/** A cycle in the allowed dependencies themselves (a → … → a), or undefined. */
function cycleIn(deps: Record<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const visit = (f: string, path: string[]): string[] | undefined => {
    if (state.get(f) === "open") return [...path.slice(path.indexOf(f)), f];
    if (state.get(f) === "done") return undefined;
    state.set(f, "open");
    for (const d of deps[f] ?? []) {
      const c = visit(d, [...path, f]);
      if (c) return c;
    }
    state.set(f, "done");
    return undefined;
  };
  for (const f of Object.keys(deps)) {
    const c = visit(f, []);
    if (c) return c;
  }
  return undefined;
}

describe("layering (DEPS)", () => {
  it("the allowed dependencies form no cycle", () => {
    expect(cycleIn(DEPS)?.join(" → ")).toBeUndefined();
  });

  it("every folder imports only what DEPS allows it, and no two folders import each other", () => {
    const edges = projectImports();
    // The reader sees the imports at all: a known edge of each kind.
    expect(edges).toContainEqual(expect.objectContaining({ file: "harness/index.ts", target: "scenarios/index.ts" }));
    expect(layerViolations(edges)).toEqual([]);
  });

  it("finds an upward import and a pair of folders importing each other", () => {
    const edges: Edge[] = [
      { file: "core/types.ts", specifier: "../harness/servers/catalog.ts", target: "harness/servers/catalog.ts" },
      { file: "harness/servers/catalog.ts", specifier: "../../core/types.ts", target: "core/types.ts" },
    ];
    expect(layerViolations(edges)).toEqual([
      `core/types.ts imports "../harness/servers/catalog.ts" (harness/servers): core may import nothing of the project`,
      "core and harness/servers import each other",
    ]);
  });
});
