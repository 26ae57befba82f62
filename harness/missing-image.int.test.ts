// A run that needs an upstream image this machine does not have: the real CLI stops
// before starting anything (exit 3, naming the image and how to provide it), and
// with the server marked optional it drops that server's cells and runs the rest.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { imagePresent } from "./docker/images.ts";
import { LABEL_RUN } from "./docker/labels.ts";
import { resolveServer, upstreamImage } from "./servers/catalog.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OPENFIRE = "openfire@4.9.2";
const IMAGE = upstreamImage(resolveServer(OPENFIRE))!;
const present = await imagePresent(IMAGE);
const dir = mkdtempSync(join(tmpdir(), "s2s-missing-image-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "s2s-matrix.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: "true", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

const scenario = (name: string, servers: string): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nservers: ${servers}\ncertificates: [server-only]\ndialback: [off]\nexpect:\n  default: federates\n`);
  return file;
};

/** The run id the CLI announces on stderr ("s2s-matrix 0.1.0: run <id>, N cells from …"). */
const runIdOf = (stderr: string): string => {
  const m = /: run (\S+), \d+ cells from /.exec(stderr);
  if (!m) throw new Error(`no run id in:\n${stderr}`);
  return m[1]!;
};
/** Containers and networks labelled with the run id (any state). */
const leftovers = (runId: string): string[] => [
  ...execFileSync("docker", ["ps", "-a", "-q", "--filter", `label=${LABEL_RUN}=${runId}`], { encoding: "utf8" }).split("\n"),
  ...execFileSync("docker", ["network", "ls", "-q", "--filter", `label=${LABEL_RUN}=${runId}`], { encoding: "utf8" }).split("\n"),
].filter(Boolean);

describe.skipIf(present)(`a scenario needing ${IMAGE}, which this machine does not have`, () => {
  test("exits 3 before starting anything, naming the image and how to provide it", async () => {
    const file = scenario("needs-openfire", `[prosody@0.12.3, ${OPENFIRE}]`);
    const r = await runCli(["run", file, "-o", join(dir, "report-required")], 120_000);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`image ${IMAGE} for ${OPENFIRE} is not present locally`);
    expect(r.stderr).toContain(`fix: docker pull ${IMAGE}`);
    expect(r.stderr).toContain("docker load");
    expect(r.stderr).toContain(`{server: ${OPENFIRE}, optional: true}`);
    // Nothing built, started or labelled for this run.
    expect(r.stderr).not.toMatch(/building |starting \d+ containers|ready \(/);
    expect(leftovers(runIdOf(r.stderr))).toEqual([]);
  }, 150_000);

  test("with the server optional, its cells are dropped with a one-line notice and the rest run", async () => {
    const file = scenario("openfire-optional", `[prosody@0.12.3, {server: ${OPENFIRE}, optional: true}]`);
    const r = await runCli(["run", file, "-o", join(dir, "report-optional"), "--no-retry"], 300_000);
    expect(r.stderr).toContain(
      `skipping optional ${OPENFIRE}: image ${IMAGE} is not present locally; dropped 3 cells (to include them: docker pull ${IMAGE})`,
    );
    // The remaining cell (prosody@0.12.3 with itself) ran on real servers.
    expect(r.stderr).toMatch(/^1 cells: /m);
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers(runIdOf(r.stderr))).toEqual([]);
  }, 330_000);
});

// A release outside the catalog and a user's own image: nothing can be pulled here,
// so what is tested is the resolution and the exit 3 that names what to run.
const PUBLISHED = "ghcr.io/processone/ejabberd:25.10";
const USER = "registry.example.org/xmpp/ejabberd:candidate";
const publishedPresent = await imagePresent(PUBLISHED);
const userPresent = await imagePresent(USER);

describe("images this machine does not have, without --pull", () => {
  test.skipIf(publishedPresent)("ejabberd@25.10 resolves to its published image: exit 3 naming docker pull, docker load and --pull", async () => {
    const file = scenario("published", "[prosody@13.0.7, ejabberd@25.10]");
    const r = await runCli(["run", file, "-o", join(dir, "report-published")], 120_000);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`image ${PUBLISHED} for ejabberd@25.10 is not present locally (scenario "published" needs it) and was not pulled (run with --pull to pull it)`);
    expect(r.stderr).toContain(`fix: docker pull ${PUBLISHED}, or run with --pull (without registry access: docker save it elsewhere, then docker load -i <file>.tar)`);
    expect(r.stderr).not.toMatch(/building |starting \d+ containers|ready \(/);
    expect(leftovers(runIdOf(r.stderr))).toEqual([]);
  }, 150_000);

  test.skipIf(userPresent)("a user image under a name: exit 3 naming that image", async () => {
    const file = scenario("user-image", `[prosody@13.0.7, {name: candidate, family: ejabberd, image: "${USER}"}]`);
    const r = await runCli(["run", file, "-o", join(dir, "report-user")], 120_000);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`image ${USER} for candidate is not present locally (scenario "user-image" needs it) and was not pulled (run with --pull to pull it)`);
    expect(r.stderr).toContain(`fix: docker pull ${USER}, or run with --pull`);
    expect(r.stderr).toContain("add optional: true to the entry of candidate");
    expect(leftovers(runIdOf(r.stderr))).toEqual([]);
  }, 150_000);
});
