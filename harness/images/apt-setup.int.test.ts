// apt's Release-file freshness check (Valid-Until) is switched off for sid images
// only. The real apt-setup.sh runs in a throwaway debian:bookworm container with
// no network, apt-get and dpkg-query stubbed: nothing is downloaded or built.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGES_DIR } from "../docker/images.ts";

/** What apt-setup.sh leaves in /etc/apt/apt.conf.d for this DIST (all files, concatenated). */
function aptConfigAfterSetup(dist: string): string {
  const script = [
    "mkdir /stub",
    "printf '#!/bin/sh\\nexit 0\\n' > /stub/apt-get",
    "printf '#!/bin/sh\\necho 1.0-1\\n' > /stub/dpkg-query",
    "chmod +x /stub/*",
    `PATH=/stub:$PATH sh /setup/apt-setup.sh '${dist}' prosody 1.0 >/dev/null`,
    "cat /etc/apt/apt.conf.d/* 2>/dev/null; true",
  ].join(" && ");
  const r = spawnSync(
    "docker",
    ["run", "--rm", "--network", "none", "--label", "s2s-matrix.test=apt-setup", "-v", `${join(IMAGES_DIR, "common")}:/setup:ro`, "debian:bookworm", "sh", "-c", script],
    { encoding: "utf8", timeout: 120_000 },
  );
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
