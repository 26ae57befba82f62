import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { CELLS, sampleResults } from "./fixtures.ts";
import { renderJson } from "./json.ts";
import { summarize } from "./summary.ts";

const schema = JSON.parse(readFileSync(new URL("./results.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

describe("renderJson", () => {
  it("produces results that validate against results.schema.json", () => {
    const data = JSON.parse(renderJson(sampleResults()));
    expect(validate(data), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("the schema rejects what types.ts forbids", () => {
    const bad = JSON.parse(renderJson(sampleResults()));
    bad.cells[0].outcome = "maybe";
    delete bad.cells[1].spec.id;
    bad.cells[2].typo = true;
    bad.startedAt = "yesterday";
    expect(validate(bad)).toBe(false);
    const paths = validate.errors!.map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(["/cells/0/outcome", "/cells/1/spec", "/cells/2", "/startedAt"]));
  });

  it("tolerates a capture transcript on a cell", () => {
    const r = sampleResults([{ ...CELLS.external, capture: ["<stream:stream>"] } as never]);
    expect(validate(JSON.parse(renderJson(r)))).toBe(true);
  });

  it("is stable: 2-space indent, sorted keys with schema first, whatever the build order", () => {
    const a = sampleResults();
    const reversed = JSON.parse(JSON.stringify(a), (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    const text = renderJson(a);
    expect(renderJson(reversed)).toBe(text);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(a)));
    const lines = text.split("\n");
    expect(lines[1]).toBe('  "schema": "s2s-matrix/results@1",');
    expect(lines[2]).toBe('  "cells": [');
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("summarize", () => {
  it("counts the sample's cells as counted by hand", () => {
    // external ✓, failsLong ✓, dialback ✓, unexpected ✗, error ✗, flaky ✗, asymmetric ✓, oneWay ✓, tolerated (an error, tolerated) ✓
    expect(summarize(Object.values(CELLS))).toEqual({ total: 9, asExpected: 6, unexpected: 3, errors: 2, flaky: 1, oneWay: 1, retried: 0 });
    expect(summarize([CELLS.oneWay, CELLS.flaky])).toEqual({ total: 2, asExpected: 1, unexpected: 1, errors: 0, flaky: 1, oneWay: 1, retried: 0 });
    expect(summarize([])).toEqual({ total: 0, asExpected: 0, unexpected: 0, errors: 0, flaky: 0, oneWay: 0, retried: 0 });
  });
});
