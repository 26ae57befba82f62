// apt's Release-file freshness check (Valid-Until) is switched off for sid images
// only. The real apt-setup.sh runs in a throwaway debian:bookworm container with
// no network, apt-get and dpkg-query stubbed: nothing is downloaded or built. A version
// the archive no longer has fails the build with a message naming what to update.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGES_DIR } from "../docker/images.ts";

/** apt-setup.sh DIST prosody 1.0 with dpkg-query saying `installed`; then what `after` prints. */
function aptSetup(dist: string, installed: string, after: string): SpawnSyncReturns<string> {
  const script = [
    "mkdir /stub",
    "printf '#!/bin/sh\\nexit 0\\n' > /stub/apt-get",
    `printf '#!/bin/sh\\necho ${installed}\\n' > /stub/dpkg-query`,
    "chmod +x /stub/*",
    `PATH=/stub:$PATH sh /setup/apt-setup.sh '${dist}' prosody 1.0 >/dev/null`,
    after,
  ].join(" && ");
  return spawnSync(
    "docker",
    ["run", "--rm", "--network", "none", "--label", "s2s-matrix.test=apt-setup", "-v", `${join(IMAGES_DIR, "common")}:/setup:ro`, "debian:bookworm", "sh", "-c", script],
    { encoding: "utf8", timeout: 120_000 },
  );
}

/** What apt-setup.sh leaves in /etc/apt/apt.conf.d for this DIST (all files, concatenated). */
function aptConfigAfterSetup(dist: string): string {
  const r = aptSetup(dist, "1.0-1", "cat /etc/apt/apt.conf.d/* 2>/dev/null; true");
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("apt-setup.sh: Acquire::Check-Valid-Until", () => {
  it.each(["bookworm", "bookworm-backports", "trixie-backports"])("%s keeps apt's freshness check", (dist) => {
    expect(aptConfigAfterSetup(dist)).not.toMatch(/Check-Valid-Until/);
  });

  it("sid turns it off (its Release file outlives its validity here)", () => {
    expect(aptConfigAfterSetup("sid")).toMatch(/Acquire::Check-Valid-Until "false";/);
  });

  it("no other image build turns it off", () => {
    for (const dir of readdirSync(IMAGES_DIR)) {
      let dockerfile: string;
      try {
        dockerfile = readFileSync(join(IMAGES_DIR, dir, "Dockerfile"), "utf8");
      } catch {
        continue;
      }
      expect(dockerfile, `${dir}/Dockerfile`).not.toMatch(/Check-Valid-Until/);
    }
  });
});

describe("apt-setup.sh: a version the archive no longer has", () => {
  it("fails, naming the package, both versions and the catalog file to update (a file that exists)", () => {
    const r = aptSetup("bookworm", "2.0-1", "true");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the catalog promises prosody 1\.0 from bookworm but the archive installed 2\.0-1; update (\S+)$/m);
    const named = /; update (\S+)$/m.exec(r.stderr)![1];
    expect(existsSync(join(IMAGES_DIR, "..", "..", named)), named).toBe(true);
  });
});
