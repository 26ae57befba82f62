// When `run` may install a Docker engine itself (Debian as root, nothing said against it).
// The host's facts are given, not read: the answer must not depend on where the test runs.
import { describe, expect, it } from "vitest";
import { whyNoInstall } from "./provision.ts";

describe("whyNoInstall", () => {
  it("never with --no-install-docker, S2S_MATRIX_INSTALL_DOCKER=0, or DOCKER_HOST set (the user named the engine), even on Debian as root", () => {
    expect(whyNoInstall({}, false, true)).toBe("--no-install-docker");
    expect(whyNoInstall({ S2S_MATRIX_INSTALL_DOCKER: "0" }, true, true)).toBe("S2S_MATRIX_INSTALL_DOCKER=0");
    expect(whyNoInstall({ DOCKER_HOST: "tcp://127.0.0.1:2375" }, true, true)).toBe("DOCKER_HOST is set");
  });

  it("otherwise on Debian as root, and only there", () => {
    expect(whyNoInstall({}, true, true)).toBeUndefined();
    expect(whyNoInstall({ S2S_MATRIX_INSTALL_DOCKER: "1", DOCKER_HOST: " " }, true, true)).toBeUndefined();
    expect(whyNoInstall({}, true, false)).toBe("not Debian as root");
    expect(whyNoInstall({ S2S_MATRIX_INSTALL_DOCKER: "1" }, true, false)).toBe("not Debian as root");
  });
});
