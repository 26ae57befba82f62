// Missing upstream images: a required server stops the run before anything starts,
// an optional one has its cells dropped with a notice.
import { describe, expect, test } from "vitest";
import { dropUnavailable, findMissingImages, type Prepared } from "./matrix.ts";
import { EnvironmentError } from "./errors.ts";
import type { Scenario } from "../scenarios/model.ts";
import type { CellSpec, Family } from "./types.ts";

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
  certificates: { initiator: ["server-only"], receiver: ["server-only"], symmetric: true },
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
