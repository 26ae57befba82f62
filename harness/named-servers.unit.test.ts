import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepare } from "./inputs.ts";
import { extraServer } from "./named-servers.ts";

const dir = mkdtempSync(join(tmpdir(), "s2s-matrix-named-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SMOKE = new URL("../scenarios/smoke.yaml", import.meta.url);

describe("--servers name=family@image:reference", () => {
  it("runs the same cells as the scenario entry {name, family, image}", async () => {
    const edited = join(dir, "smoke-with-ours.yaml");
    writeFileSync(
      edited,
      readFileSync(SMOKE, "utf8").replace(
        "servers: [prosody@0.12.3, ejabberd@23.01]",
        "servers: [prosody@0.12.3, ejabberd@23.01, {name: ours, family: prosody, image: registry.example/prosody:pr-42}]",
      ),
    );
    const byFlag = await prepare({ scenarioFiles: [SMOKE.pathname], servers: ["ours=prosody@image:registry.example/prosody:pr-42"] });
    const byEntry = await prepare({ scenarioFiles: [edited] });
    expect(byFlag.cells.map((c) => ({ ...c, scenario: "" }))).toEqual(byEntry.cells.map((c) => ({ ...c, scenario: "" })));
    expect(byFlag.cells).toHaveLength(9);
    expect(byFlag.servers?.get("ours")).toEqual(byEntry.servers?.get("ours"));
    expect(byFlag.servers?.get("ours")?.entry.source).toEqual({ kind: "image", image: "registry.example/prosody:pr-42" });
    // A rule selecting `receiver: prosody` selects ours: it runs as the prosody family.
    expect(byFlag.cells.find((c) => c.id === "ejabberd@23.01 → ours [server-only, dialback off]")?.expected).toMatchObject({ outcome: "one-way", source: "expect.rules[1]" });
  });

  it("is the scenario entry {name, family, image}", () => {
    expect(extraServer(" ours=ejabberd@image:ghcr.io/me/ejabberd:sha-1 ")).toEqual({ id: "ours", named: true, family: "ejabberd", image: "ghcr.io/me/ejabberd:sha-1", optional: false });
  });

  it.each([
    ["ours=prosody:image:r.example/p:1", 'an image of your own is written name=family@image:reference, e.g. ours=prosody@image:r.example/p:1'],
    ["prosody@image:r.example/p:1", "an image needs a name, since its version is known only once it runs: ours=prosody@image:r.example/p:1"],
    ["ours=xmpp@image:r.example/p:1", 'unknown server family "xmpp" (families: prosody, ejabberd, openfire, jabberd2), e.g. ours=prosody@image:r.example/p:1'],
    ["ours=prosody@image:", 'the image reference after "@image:" must be non-empty without spaces'],
    ["prosody=prosody@image:r.example/p:1", 'name "prosody" is a server family'],
    ["Ours=prosody@image:r.example/p:1", 'invalid name "Ours"; a name is lowercase letters, digits, - and _'],
    ["ours=prosody@99", 'unknown server "prosody@99"'],
  ])("%s: exit 2 naming the flag and the fix", (text, message) => {
    let error: (Error & { exitCode?: number }) | undefined;
    try {
      extraServer(text);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toContain(`--servers ${JSON.stringify(text)}: ${message}`);
  });
});
