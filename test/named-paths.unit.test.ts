// A comment or a message that sends the reader to a file of this repository names one
// that exists: after a move, the old name is a dead end (#28: apt-setup.sh told the user
// to update the catalog at the path it had before it moved to harness/servers/).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./reliability/helpers.ts";

/** Paths that look like this repository's and are not: another project's file, a test's made-up one. */
const NOT_OURS: Record<string, string> = {
  "core/command.ts": "actions/toolkit's, named in scripts/gh-annotate.mjs",
  "scenarios/sample.yaml": "the made-up file name of test/baseline-cli.process.test.ts's sample results",
};

const PATH = /(?<![\w.@/-])((?:harness|test|core|ca|scenarios|scripts)\/[\w./-]+\.(?:ts|sh|mjs|js|yaml|json|py))\b/g;
const COMMENT = /^\s*(\/\/|#|\*|\/\*)/;

/** The lines a reader is sent from: comments, and in shell scripts every line (their messages too). */
function readerLines(file: string): string[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  return file.endsWith(".sh") ? lines : lines.filter((l) => COMMENT.test(l));
}

function namedPaths(): { file: string; path: string }[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => /\.(ts|mjs|sh|ya?ml|py)$/.test(f) && !f.startsWith("dist/") && !f.includes("/vendored/") && existsSync(join(ROOT, f)));
  return files.flatMap((file) => readerLines(file).flatMap((l) => [...l.matchAll(PATH)].map((m) => ({ file, path: m[1] }))));
}

describe("files named in comments and scripts' messages", () => {
  it("exist (or are listed as another project's)", () => {
    const named = namedPaths();
    expect(named.length).toBeGreaterThan(20);
    const missing = named.filter(({ path }) => !NOT_OURS[path] && !existsSync(join(ROOT, path)));
    expect(missing).toEqual([]);
  });

  it("its regular expression finds a path in a shell message and in a comment, not inside another name", () => {
    expect([..."update harness/servers/catalog.ts\" >&2".matchAll(PATH)].map((m) => m[1])).toEqual(["harness/servers/catalog.ts"]);
    expect([..."// streams (harness/docker/logbuffer.ts); axe-core/axe.min.js".matchAll(PATH)].map((m) => m[1])).toEqual(["harness/docker/logbuffer.ts"]);
  });
});
