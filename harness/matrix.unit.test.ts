// Missing upstream images: a required server stops the run before anything starts,
// an optional one has its cells dropped with a notice.
import { describe, expect, test } from "vitest";
import type { Prepared } from "./inputs.ts";
import { dropUnavailable, findMissingImages, pullMissing } from "./matrix.ts";
import { EnvironmentError, UsageError } from "../core/errors.ts";
import { collectServers } from "./named-servers.ts";
import type { Scenario } from "../scenarios/model.ts";
import type { CellSpec } from "../core/types.ts";
import type { Family } from "./servers/catalog.ts";

const P = "prosody@0.12.3";
const E = "ejabberd@23.01";
const O = "openfire@4.9.2";
const OF_IMAGE = "ghcr.io/igniterealtime/openfire:v4.9.2";

const cell = (scenario: string, a: string, b: string): CellSpec => ({
  id: `${a} → ${b} [server-only, dialback on]`,
  scenario,
  initiator: { server: a, certificate: "server-only", dialback: "on" },
  receiver: { server: b, certificate: "server-only", dialback: "on" },
  expected: { outcome: "federates", source: "default" },
});
const scenario = (name: string, servers: [string, boolean][]): Scenario => ({
  file: `${name}.yaml`,
  name,
  servers: servers.map(([id, optional]) => ({ id, named: false, family: id.split("@")[0] as Family, version: id.split("@")[1], optional })),
  certificates: [{ initiator: "server-only", receiver: "server-only" }],
  dialback: { initiator: ["on"], receiver: ["on"], symmetric: true },
  pairs: "all",
  tolerate: [],
  expect: { default: "federates", rules: [] },
});
const allPairs = (name: string, servers: string[]) => servers.flatMap((a) => servers.map((b) => cell(name, a, b)));
const prepared = (optional: boolean): Prepared => ({
  scenarios: [scenario("mixed", [[P, false], [O, optional]])],
  cells: allPairs("mixed", [P, O]),
});

describe("findMissingImages", () => {
  test("only upstream images count; Debian-built ones are built on first use", async () => {
    const asked: string[] = [];
    const missing = await findMissingImages(allPairs("s", [P, E, O, "ejabberd@25.08"]), async (image) => (asked.push(image), false));
    expect(asked).toEqual([OF_IMAGE, "ghcr.io/processone/ejabberd:25.08"]);
    expect(missing).toEqual([
      { server: O, image: OF_IMAGE },
      { server: "ejabberd@25.08", image: "ghcr.io/processone/ejabberd:25.08" },
    ]);
    expect(await findMissingImages(allPairs("s", [P, O]), async () => true)).toEqual([]);
  });
});

describe("dropUnavailable", () => {
  const missing = [{ server: O, image: OF_IMAGE }];

  test("nothing missing: everything runs", () => {
    const p = prepared(false);
    expect(dropUnavailable(p, [])).toEqual({ prepared: p, notices: [] });
  });

  test("a required server's missing image: EnvironmentError (exit 3) naming the image and how to provide it", () => {
    let error: unknown;
    try {
      dropUnavailable(prepared(false), missing);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    const err = error as EnvironmentError;
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`image ${OF_IMAGE} for ${O} is not present locally (scenario "mixed" needs it)`);
    expect(err.message).toContain("nothing was started");
    expect(err.message).toContain(`fix: docker pull ${OF_IMAGE}`);
    expect(err.message).toContain("docker load");
    expect(err.message).toContain(`{server: ${O}, optional: true}`);
  });

  test("an optional server's missing image: its cells are dropped with a one-line notice, the rest run", () => {
    const { prepared: kept, notices } = dropUnavailable(prepared(true), missing);
    expect(kept.cells.map((c) => `${c.initiator.server} ${c.receiver.server}`)).toEqual([`${P} ${P}`]);
    expect(notices).toEqual([
      `skipping optional ${O}: image ${OF_IMAGE} is not present locally; dropped 3 cells (to include them: docker pull ${OF_IMAGE})`,
    ]);
    expect(notices[0]).not.toContain("\n");
  });

  test("optional in one scenario, required in another: the run stops", () => {
    const p: Prepared = {
      scenarios: [scenario("a", [[P, false], [O, true]]), scenario("b", [[E, false], [O, false]])],
      cells: [...allPairs("a", [P, O]), ...allPairs("b", [E, O])],
    };
    expect(() => dropUnavailable(p, missing)).toThrow(/scenario "b" needs it/);
  });

  test("every cell needs a missing optional image: nothing to run is an environment error too", () => {
    const p: Prepared = { scenarios: [scenario("o", [[O, true]])], cells: allPairs("o", [O]) };
    expect(() => dropUnavailable(p, missing)).toThrow(EnvironmentError);
    expect(() => dropUnavailable(p, missing)).toThrow(/nothing left to run/);
  });
});

describe("named servers, user images and published releases", () => {
  const USER_IMAGE = "registry.example.org/xmpp/ejabberd:candidate";
  const servers = collectServers([
    {
      ...scenario("gate", []),
      servers: [
        { id: "ours", named: true, family: "ejabberd", version: "24.12", optional: false },
        { id: "candidate", named: true, family: "ejabberd", image: USER_IMAGE, optional: false },
        { id: "ejabberd@25.10", named: false, family: "ejabberd", version: "25.10", optional: false },
      ],
    },
  ]);
  const cells = allPairs("gate", ["ours", "candidate", "ejabberd@25.10", P]);

  test("a name's image is looked up in the run's servers; a release outside the catalog is its published image", async () => {
    const asked: string[] = [];
    const missing = await findMissingImages(cells, async (image) => (asked.push(image), false), servers);
    expect(asked).toEqual([USER_IMAGE, "ghcr.io/processone/ejabberd:25.10"]);
    expect(missing).toEqual([
      { server: "candidate", image: USER_IMAGE },
      { server: "ejabberd@25.10", image: "ghcr.io/processone/ejabberd:25.10" },
    ]);
  });

  test("without --pull: exit 3 naming docker pull, docker load and --pull", () => {
    const p: Prepared = { scenarios: [{ ...scenario("gate", []), servers: [{ id: "candidate", named: true, family: "ejabberd", image: USER_IMAGE, optional: false }] }], cells, servers };
    const err = (() => {
      try {
        dropUnavailable(p, [{ server: "candidate", image: USER_IMAGE }]);
      } catch (e) {
        return e as EnvironmentError;
      }
    })()!;
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toContain(`image ${USER_IMAGE} for candidate is not present locally (scenario "gate" needs it) and was not pulled (run with --pull to pull it)`);
    expect(err.message).toContain(`fix: docker pull ${USER_IMAGE}, or run with --pull (without registry access: docker save it elsewhere, then docker load -i <file>.tar)`);
    expect(err.message).toContain("add optional: true to the entry of candidate");
  });

  test("--pull: each missing image is pulled once; one that cannot be pulled stays missing with the registry's words", async () => {
    const pulled: string[] = [];
    const still = await pullMissing(
      [
        { server: "candidate", image: USER_IMAGE },
        { server: "ejabberd@25.10", image: "ghcr.io/processone/ejabberd:25.10" },
      ],
      () => {},
      async (image) => {
        pulled.push(image);
        if (image === USER_IMAGE) throw new EnvironmentError(`pulling ${image} failed: manifest unknown\nnothing was started`);
      },
    );
    expect(pulled).toEqual([USER_IMAGE, "ghcr.io/processone/ejabberd:25.10"]);
    expect(still).toEqual([{ server: "candidate", image: USER_IMAGE, pullError: `pulling ${USER_IMAGE} failed: manifest unknown` }]);
    const p: Prepared = { scenarios: [scenario("gate", [])], cells, servers };
    expect(() => dropUnavailable(p, still)).toThrow(`image ${USER_IMAGE} for candidate could not be pulled (pulling ${USER_IMAGE} failed: manifest unknown)`);
  });

  test("one name, two meanings in two scenarios: exit 2", () => {
    const a = { ...scenario("a", []), servers: [{ id: "ours", named: true, family: "ejabberd" as const, version: "24.12", optional: false, line: 3 }] };
    const b = { ...scenario("b", []), servers: [{ id: "ours", named: true, family: "ejabberd" as const, version: "26.07", optional: false, line: 4 }] };
    expect(() => collectServers([a, b])).toThrow(UsageError);
    expect(() => collectServers([a, b])).toThrow('server name "ours" means ejabberd@24.12 in a.yaml:3 but ejabberd@26.07 in b.yaml:4; a run gives each name one server: rename one of them');
    expect(collectServers([a, { ...a, name: "c", file: "c.yaml" }]).get("ours")?.entry.version).toBe("24.12");
  });
});
