// The test CA's secrets: a run mints the CA and every leaf in memory (keys reach
// containers only as copied content), and `s2s-matrix cert` writes exactly one
// private key, the leaf's, readable by its owner only, and never the CA's.
//
// Already covered in ca/ and not repeated here: nameConstraints refusing a leaf
// outside .example under `openssl verify` (ca/ca.unit.test.ts "name constraints":
// error 47 permitted subtree violation, with and without an intermediate), and
// writeLeafFiles/certCommand modes as a library (ca/cli.unit.test.ts).
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "s2s-matrix-ca-secrets-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

// Runs in its own process: loads ca/, then records every call that could write a
// file or start a program while a CA and leaves of every profile are minted.
const CHILD = `
import fs from "node:fs";
import cp from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
const ca = await import(process.env.CA_URL);
const calls = [];
const WRITE_FLAGS = /[wa+]/;
const wrap = (obj, names, label) => {
  for (const name of names) {
    const orig = obj[name];
    if (typeof orig !== "function") continue;
    obj[name] = function (...args) {
      const isOpen = name === "open" || name === "openSync";
      if (!isOpen || WRITE_FLAGS.test(String(args[1] ?? "r"))) calls.push(label + "." + name + " " + String(args[0]));
      return orig.apply(this, args);
    };
  }
};
wrap(fs, ["writeFile", "writeFileSync", "appendFile", "appendFileSync", "open", "openSync", "mkdir", "mkdirSync", "mkdtemp",
  "mkdtempSync", "createWriteStream", "copyFile", "copyFileSync", "cp", "cpSync", "rename", "renameSync", "symlink",
  "symlinkSync", "link", "linkSync", "truncate", "truncateSync"], "fs");
wrap(fs.promises, ["writeFile", "appendFile", "open", "mkdir", "mkdtemp", "copyFile", "cp", "rename", "symlink", "link", "truncate"], "fs.promises");
wrap(cp, ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"], "child_process");
syncBuiltinESMExports();

let leaves = 0;
for (const keyType of ["rsa", "ec"]) {
  for (const intermediate of [false, true]) {
    const c = await ca.createCa({ tld: "example", keyType, intermediate });
    for (const p of ca.PROFILE_NAMES) {
      // A wildcard profile needs a host one label below a parent (a.h11.example).
      const leaf = await c.issue("a.h" + leaves + ".example", p);
      if (!leaf.key.includes("PRIVATE KEY")) throw new Error("no key for " + p);
      leaves++;
    }
  }
}
const during = calls.splice(0);
// Control: the hooks do see a write (otherwise an empty list would prove nothing).
const c = await ca.createCa({ keyType: "ec" });
await ca.writeLeafFiles(process.env.CONTROL_DIR, "control.example", await c.issue("control.example", "dual-eku"), c.trustBundle);
process.stdout.write(JSON.stringify({ leaves, during, control: calls }));
`;

describe("the CA lives in memory", () => {
  it("createCa + issue (every profile, rsa and ec, with and without an intermediate) write no file and start no program", async () => {
    const script = join(tmp, "child.mts");
    writeFileSync(script, CHILD);
    const cwd = mkdtempSync(join(tmp, "cwd-"));
    const control = join(tmp, "control");
        // tsx's loader by absolute URL: the child's working directory is empty on purpose.
    const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const r = spawnSync(process.execPath, ["--import", tsx, script], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, CA_URL: pathToFileURL(join(ROOT, "ca", "index.ts")).href, CONTROL_DIR: control },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { leaves: number; during: string[]; control: string[] };
    expect(result.leaves).toBe(4 * 14); // 2 key types × with and without an intermediate × 14 profiles
    expect(result.during).toEqual([]);
    expect(result.control.some((c) => c.includes("control.example.key"))).toBe(true);
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);
});

describe("s2s-matrix cert --out DIR", () => {
  it.each([
    ["rsa, no intermediate", []],
    ["ec with an intermediate", ["--key-type", "ec", "--intermediate"]],
  ])("%s: one private key (the leaf's, 0600 even under umask 000), no CA key", async (_name, extra) => {
    const out = join(tmp, `cert-${extra.length}`);
    const r = await runCli(["cert", "--profile", "dual-eku", "--domain", "xmpp.example", "--out", out, ...extra], { shell: "umask 000" });
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["ca.crt", "xmpp.example.crt", "xmpp.example.fullchain.pem", "xmpp.example.key"]);
    expect(mode(out)).toBe(0o700);
    expect(mode(join(out, "xmpp.example.key"))).toBe(0o600);
    const text = Object.fromEntries(files.map((f) => [f, readFileSync(join(out, f), "utf8")]));
    // Exactly one private key in the whole directory, and it belongs to the leaf.
    const keys = files.filter((f) => /PRIVATE KEY/.test(text[f]));
    expect(keys).toEqual(["xmpp.example.key"]);
    expect(text["xmpp.example.key"].match(/BEGIN [A-Z ]*PRIVATE KEY/g)).toHaveLength(1);
    const leaf = new X509Certificate(text["xmpp.example.crt"]);
    const leafPub = leaf.publicKey.export({ type: "spki", format: "der" });
    const keyPub = createPublicKey(createPrivateKey(text["xmpp.example.key"])).export({ type: "spki", format: "der" });
    expect(Buffer.compare(leafPub, keyPub)).toBe(0);
    // ca.crt is the root alone, a CA constrained to .example.
    expect(text["ca.crt"].match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const root = new X509Certificate(text["ca.crt"]);
    expect(root.ca).toBe(true);
    const dump = spawnSync("openssl", ["x509", "-noout", "-text"], { input: text["ca.crt"], encoding: "utf8" }).stdout;
    expect(dump).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:example\n/);
    expect(r.stdout).toContain(`wrote ${join(out, "xmpp.example.key")}`);
  }, 120_000);

  it("a domain outside .example is refused before any key exists: exit 2", async () => {
    const out = join(tmp, "cert-outside");
    const r = await runCli(["cert", "--profile", "dual-eku", "--domain", "www.example.com", "--out", out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/www\.example\.com.*not under the test TLD \.example/);
    expect(() => statSync(out)).toThrow();
  }, 120_000);
});
