// Each upstream image federating with itself on real containers: the one test of the
// upstream layouts (prosodyim/prosody, ghcr.io/processone/ejabberd, Openfire) that
// the rendered-file unit tests cannot replace. This test never pulls these images;
// where one is not present locally its test is reported as skipped, with the reason.
import { describe, expect, test } from "vitest";
import { CATALOG, serverKey, upstreamImage } from "./catalog.ts";
import { imagePresent } from "../docker/images.ts";
import { probePairs } from "../index.ts";

const upstream = CATALOG.flatMap((entry) => {
  const image = upstreamImage(entry);
  return image ? [{ key: serverKey(entry), image }] : [];
});
const presence = await Promise.all(upstream.map(async (u) => ({ ...u, present: await imagePresent(u.image) })));

for (const { key, image, present } of presence) {
  const title = present ? `${key} (${image})` : `${key}: skipped: image ${image} not present (docker pull ${image} to run it)`;
  describe(title, () => {
    test.skipIf(!present)("starts from the upstream image, reports its version, and federates with itself (dual-eku, dialback on)", async () => {
      const [r] = await probePairs([
        {
          initiator: { server: key, certificate: "dual-eku", dialback: "on" },
          receiver: { server: key, certificate: "dual-eku", dialback: "on" },
        },
      ]);
      expect(r!.error, r!.logs.slice(-40).join("\n")).toBeUndefined();
      expect(r!.installed.initiator).toMatch(/^\d+\.\d+/);
      expect(r!.outcome, r!.reason).toBe("federates");
      expect(r!.auth.outbound).not.toBe("none");
    }, 600_000);
  });
}
