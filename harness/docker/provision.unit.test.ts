// When `run` may install a Docker engine itself (Debian as root, nothing said against it).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { whyNoInstall } from "./provision.ts";

const debianRoot = process.getuid?.() === 0 && existsSync("/etc/debian_version");

describe("whyNoInstall", () => {
  it("never with --no-install-docker, S2S_MATRIX_INSTALL_DOCKER=0, or DOCKER_HOST set (the user named the engine)", () => {
    expect(whyNoInstall({}, false)).toBe("--no-install-docker");
    expect(whyNoInstall({ S2S_MATRIX_INSTALL_DOCKER: "0" })).toBe("S2S_MATRIX_INSTALL_DOCKER=0");
    expect(whyNoInstall({ DOCKER_HOST: "tcp://127.0.0.1:2375" })).toBe("DOCKER_HOST is set");
  });

  it("otherwise only on Debian as root", () => {
    expect(whyNoInstall({})).toBe(debianRoot ? undefined : "not Debian as root");
    expect(whyNoInstall({ S2S_MATRIX_INSTALL_DOCKER: "1", DOCKER_HOST: " " })).toBe(debianRoot ? undefined : "not Debian as root");
  });
});
