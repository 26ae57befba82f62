import { describe, expect, test } from "vitest";
import { sampleResults } from "./report/fixtures.ts";
import { modeDifferences } from "./modes.ts";
import type { CellResult } from "../core/types.ts";

const cells = sampleResults().cells;
const withAuth = (c: CellResult, inbound: CellResult["auth"]["inbound"]): CellResult => ({ ...c, auth: { ...c.auth, inbound } });

describe("modeDifferences", () => {
  test("the same cells with the same verdicts agree", () => {
    expect(modeDifferences([{ mode: "shared", cells }, { mode: "isolated", cells: structuredClone(cells) }])).toEqual([]);
  });
  test("names a cell whose auth differs on the way back only, with each mode's verdict", () => {
    const c = cells[0];
    const other = c.auth.inbound === "dialback" ? "external" : "dialback";
    const isolated = [withAuth(c, other), ...cells.slice(1)];
    expect(modeDifferences([{ mode: "shared", cells }, { mode: "isolated", cells: isolated }])).toEqual([
      `${c.spec.id}: shared ${c.outcome} ${c.auth.outbound}/${c.auth.inbound}, isolated ${c.outcome} ${c.auth.outbound}/${other}`,
    ]);
  });
  test("a cell one mode did not run is a difference", () => {
    const [first, ...rest] = cells;
    expect(modeDifferences([{ mode: "shared", cells }, { mode: "capture", cells: rest }])).toEqual([
      `${first.spec.id}: shared ${first.outcome} ${first.auth.outbound}/${first.auth.inbound}, capture missing`,
    ]);
  });
});
