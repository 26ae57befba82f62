// The job's GITHUB_TOKEN and what it may do: `permissions:` as GitHub resolves them (a job's
// own block replaces the workflow's; a scope not named is none; no block at all is the
// repository default, here the "restricted" one new repositories get), and a stand-in token
// that carries them, so that a stand-in service (deploy-pages, the fake gh) can refuse it.
export type Access = "read" | "write" | "none";
export type Permissions = Record<string, Access>;

const SCOPES = ["actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues", "models", "packages", "pages", "pull-requests", "security-events", "statuses"];
/** Settings → Actions → Workflow permissions: "Read repository contents and packages permissions". */
const RESTRICTED_DEFAULT: Permissions = { contents: "read", packages: "read" };

type Block = string | Record<string, string> | undefined;

function expand(block: Exclude<Block, undefined>): Permissions {
  if (block === "read-all" || block === "write-all") {
    const access: Access = block === "read-all" ? "read" : "write";
    return Object.fromEntries(SCOPES.map((s) => [s, s === "id-token" && access === "read" ? "none" : access]));
  }
  if (typeof block === "string") throw new Error(`permissions: ${JSON.stringify(block)}: expected read-all, write-all or a map of scopes`);
  for (const [scope, access] of Object.entries(block)) {
    if (!SCOPES.includes(scope)) throw new Error(`permissions: unknown scope ${scope}`);
    if (!["read", "write", "none"].includes(access)) throw new Error(`permissions: ${scope}: ${access}: expected read, write or none`);
  }
  return block as Permissions;
}

/** The job's effective permissions: its own block, else the workflow's, else the default. */
export function effectivePermissions(workflow: Block, job: Block): Permissions {
  const block = job ?? workflow;
  return block === undefined ? { ...RESTRICTED_DEFAULT } : expand(block);
}

/** Whether `have` allows `need` (write includes read). */
export const allows = (have: Access | undefined, need: "read" | "write"): boolean => have === "write" || (need === "read" && have === "read");

const PREFIX = "ghs_standin.";

/** A token naming its permissions (scope:access, sorted); GitHub's is opaque, the service knows them. */
export const tokenFor = (p: Permissions): string =>
  PREFIX + Object.entries(p).filter(([, a]) => a !== "none").map(([s, a]) => `${s}:${a}`).sort().join(",");

/** The permissions a stand-in token carries; undefined for anything else. */
export function tokenPermissions(token: string | undefined): Permissions | undefined {
  if (!token?.startsWith(PREFIX)) return undefined;
  const pairs = token.slice(PREFIX.length).split(",").filter(Boolean).map((p) => p.split(":") as [string, Access]);
  return Object.fromEntries(pairs);
}
