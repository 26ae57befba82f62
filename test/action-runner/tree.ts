// GITHUB_ACTION_PATH as GitHub makes it: a fresh checkout of the action's repository,
// here the working tree as it would be committed (tracked changes and new files
// included, ignored ones such as node_modules/ and dist/ not).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const git = (cwd: string, ...args: string[]): string => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

export function cloneTree(root: string, dest: string): string {
  git(dirname(dest), "clone", "--quiet", "--no-hardlinks", root, dest);
  const changed = git(root, "ls-files", "-z", "--modified", "--others", "--exclude-standard").split("\0").filter(Boolean);
  for (const f of changed) {
    if (existsSync(join(root, f))) {
      mkdirSync(dirname(join(dest, f)), { recursive: true });
      cpSync(join(root, f), join(dest, f));
    } else rmSync(join(dest, f), { force: true });
  }
  const deleted = git(root, "ls-files", "-z", "--deleted").split("\0").filter(Boolean);
  for (const f of deleted) rmSync(join(dest, f), { force: true });
  if (changed.length + deleted.length > 0) {
    git(dest, "add", "-A");
    git(dest, "-c", "user.name=stand-in", "-c", "user.email=stand-in@example", "commit", "--quiet", "--no-verify", "-m", "working tree");
  }
  return dest;
}
