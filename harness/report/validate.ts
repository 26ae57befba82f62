// results.json against its published schema (results.schema.json): a --baseline is
// checked with it before a run starts, so a malformed one cannot cost the run's reports.
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import schema from "./results.schema.json" with { type: "json" };

// Compiled on first use: most CLI starts (a run without --baseline or --resume) read no
// results.json, and compiling took ~0.1 CPU-s of each start (profile, 2026-12-07).
let compiled: ReturnType<Ajv2020["compile"]> | undefined;
const validator = () => (compiled ??= new Ajv2020({ strict: true, allErrors: true }).compile(schema));

/** "/cells/0/spec" → "cells[0].spec". */
const field = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");

function describe(e: ErrorObject): string {
  const at = field(e.instancePath) || "(top level)";
  const p = e.params as Record<string, unknown>;
  if (e.keyword === "required") return `${at}: missing field "${String(p.missingProperty)}"`;
  if (e.keyword === "additionalProperties") return `${at}: unknown field "${String(p.additionalProperty)}"`;
  if (e.keyword === "enum") return `${at}: ${e.message} (${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")})`;
  return `${at}: ${e.message}`;
}

/** Every way `data` breaks the schema, one line each, most specific first; [] when it is valid. */
export function resultsProblems(data: unknown): string[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // The deepest errors name the field; the ones above them only repeat that a branch failed.
  const depth = (e: ErrorObject) => e.instancePath.split("/").length;
  const lines = [...errors].sort((a, b) => depth(b) - depth(a)).map(describe);
  return [...new Set(lines)];
}
