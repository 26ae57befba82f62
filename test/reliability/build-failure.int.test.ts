// An image build that fails shows the daemon's real error, not "Failed to build image".
import { describe, expect, it } from "vitest";
import { docker } from "../../harness/docker/client.ts";
import { buildImage, IMAGES_DIR } from "../../harness/docker/images.ts";
import { EnvironmentError } from "../../core/errors.ts";

describe("image build failure", () => {
  it("a catalog version the archive does not have fails with apt-setup's own words and the fix", async () => {
    const d = await docker();
    const err = await buildImage(d, "s2s-matrix-test/archive-moved:1", {
      context: IMAGES_DIR,
      src: ["common/apt-setup.sh", "prosody/Dockerfile", "prosody/start.sh"],
      dockerfile: "prosody/Dockerfile",
      buildargs: { SUITE: "bookworm", DIST: "bookworm", VERSION: "9.9.9" },
      label: "test",
      what: "prosody 9.9.9 from Debian bookworm",
      fix: "update harness/servers/catalog.ts",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnvironmentError);
    const message = (err as EnvironmentError).message;
    expect(message).toContain("building s2s-matrix-test/archive-moved:1 (prosody 9.9.9 from Debian bookworm) failed");
    expect(message).toMatch(/the catalog promises prosody 9\.9\.9 from bookworm but the archive installed 0\.12\.3/);
    expect(message).toContain("fix: update harness/servers/catalog.ts");
    expect(await d.getImage("s2s-matrix-test/archive-moved:1").inspect().then(() => true, () => false)).toBe(false);
  }, 300_000);
});
