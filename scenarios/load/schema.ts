// Validation against scenario.schema.json (ajv), its errors translated into one plain line each.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import { formatPath, type Path, type RawIssue } from "./issues.ts";
import { catalogKeys, describe, isObject, jsonType, quote, suggest, typeWords } from "./wording.ts";

/** Absolute path of the published JSON Schema. */
export const SCHEMA_PATH = fileURLToPath(new URL("../scenario.schema.json", import.meta.url));
/** The published JSON Schema (draft-07). */
export const SCENARIO_SCHEMA: AnySchemaObject = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));

const MATRIX_FIELDS = new Set(["servers", "certificates", "dialback"]);

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
// Compiled on first use: a CLI start that reads no scenario (merge, site, --help) skips it.
let compiled: ValidateFunction | undefined;
const scenarioValidator = (): ValidateFunction => (compiled ??= ajv.compile(SCENARIO_SCHEMA));
const branchValidators = new WeakMap<object, ValidateFunction>();

/** A validator for one branch of a oneOf/anyOf, with the schema's definitions in reach. */
function branchValidator(branch: AnySchemaObject): ValidateFunction {
  let v = branchValidators.get(branch);
  if (!v) {
    v = ajv.compile({ definitions: SCENARIO_SCHEMA.definitions, allOf: [branch] });
    branchValidators.set(branch, v);
  }
  return v;
}

function resolveRef(schema: unknown): AnySchemaObject | undefined {
  let s = schema as AnySchemaObject | undefined;
  for (let i = 0; i < 10 && s && typeof s.$ref === "string"; i++) {
    const m = /^#\/definitions\/([^/]+)$/.exec(s.$ref);
    s = m ? (SCENARIO_SCHEMA.definitions?.[m[1]] as AnySchemaObject | undefined) : undefined;
  }
  return s;
}

/** The JSON types a schema accepts, if it says. */
function schemaTypes(schema: AnySchemaObject | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonType))];
  return undefined;
}

const typeMatches = (types: string[] | undefined, t: string): boolean =>
  !types || types.includes(t) || (t === "integer" && types.includes("number"));

function segments(instancePath: string, root: unknown): Path {
  if (instancePath === "") return [];
  const out: Path = [];
  let cur: unknown = root;
  for (const raw of instancePath.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

const under = (p: string, parent: string): boolean => p === parent || p.startsWith(`${parent}/`);

function translateErrors(errors: ErrorObject[], root: unknown, base: Path, out: RawIssue[]): void {
  // A failed oneOf reports every branch's errors; keep only the branch the value was meant for.
  const branching = errors
    .filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")
    .sort((a, b) => a.instancePath.length - b.instancePath.length);
  const handled: string[] = [];
  for (const e of branching) {
    if (handled.some((h) => under(e.instancePath, h))) continue;
    handled.push(e.instancePath);
    translateBranching(e, root, base, out);
  }
  for (const e of errors) {
    if (e.keyword === "oneOf" || e.keyword === "anyOf") continue;
    if (handled.some((h) => under(e.instancePath, h))) continue;
    translateOne(e, root, base, out);
  }
}

function translateBranching(e: ErrorObject, root: unknown, base: Path, out: RawIssue[]): void {
  const path = [...base, ...segments(e.instancePath, root)];
  const branches = (Array.isArray(e.schema) ? e.schema : []) as AnySchemaObject[];
  const t = jsonType(e.data);
  const candidates = branches.filter((b) => typeMatches(schemaTypes(resolveRef(b)), t));
  if (candidates.length === 0) {
    const wanted = branches.map((b) => {
      const r = resolveRef(b);
      const words = typeWords(schemaTypes(r) ?? "value");
      return r?.title && r.title !== (e.parentSchema as AnySchemaObject | undefined)?.title ? `${words} (${r.title})` : words;
    });
    out.push({ path, message: `expected ${[...new Set(wanted)].join(" or ")}, found ${describe(e.data)}` });
    return;
  }
  let best: ErrorObject[] | undefined;
  for (const b of candidates) {
    const v = branchValidator(b);
    const errs = v(e.data) ? [] : [...(v.errors ?? [])];
    if (!best || errs.length < best.length) best = errs;
  }
  if (best && best.length > 0) translateErrors(best, e.data, path, out);
  else if (e.keyword === "oneOf") out.push({ path, message: `ambiguous value ${describe(e.data)}` });
}

function translateOne(e: ErrorObject, root: unknown, base: Path, out: RawIssue[]): void {
  const path = [...base, ...segments(e.instancePath, root)];
  const parent = (e.parentSchema ?? {}) as AnySchemaObject;
  const title: string | undefined = parent.title;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const missing = String(p.missingProperty);
      out.push({ path, message: `missing required key "${missing}"` });
      return;
    }
    case "additionalProperties": {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      // Reported against the mapping that holds the key, positioned at the key itself.
      out.push({
        path,
        keyPath: [...path, key],
        message: `unknown key "${key}"; allowed keys: ${allowed.join(", ")}${suggest(key, allowed)}`,
      });
      return;
    }
    case "type":
      out.push({ path, message: `expected ${typeWords(p.type)}${title ? ` (${title})` : ""}, found ${describe(e.data)}` });
      return;
    case "enum": {
      const allowed = (p.allowedValues ?? []) as unknown[];
      const list = allowed.map((a) => String(a)).join(", ");
      if (e.data !== null && typeof e.data === "object") {
        out.push({ path, message: `expected ${title ?? "one of"}: ${list}; found ${describe(e.data)}` });
      } else {
        out.push({ path, message: `unknown ${title ?? "value"} ${quote(e.data)}; allowed: ${list}${suggest(e.data, allowed)}` });
      }
      return;
    }
    case "pattern": {
      let message = `invalid ${title ?? "value"} ${quote(e.data)}; expected ${parent.description ?? `text matching ${String(p.pattern)}`}`;
      if (title === "server") message += `; known servers: ${catalogKeys().join(", ")}`;
      if (title === "server name" && typeof e.data === "string" && e.data.includes("@")) {
        // family@version is what an unnamed server is called: a name must never be mistaken for one.
        message = `invalid server name ${quote(e.data)}: family@version is how an unnamed server is called, so a name cannot be one; pick a name without "@", e.g. ours`;
      }
      out.push({ path, message });
      return;
    }
    case "minItems": {
      const matrix = typeof path[0] === "string" && MATRIX_FIELDS.has(path[0]);
      const message = matrix
        ? `empty list: the matrix would have no cells; give at least one ${path[0] === "servers" ? "server" : path[0] === "certificates" ? "certificate profile" : "dialback setting"}`
        : title === "outcomes"
          ? `a list of outcomes needs at least two (any of them meets the rule); write a single outcome without brackets, e.g. outcome: ${String((e.data as unknown[])[0] ?? "fails")}`
          : `must have at least ${String(p.limit)} item(s)`;
      out.push({ path, message });
      return;
    }
    case "minLength":
      out.push({ path, message: `must not be empty` });
      return;
    case "maxLength":
      out.push({ path, message: `is ${(e.data as string).length} characters long; at most ${String(p.limit)} allowed` });
      return;
    case "uniqueItems": {
      const i = Number(p.i);
      const j = Number(p.j);
      const later = Math.max(i, j);
      out.push({
        path: [...path, later],
        message: `duplicate entry ${quote((e.data as unknown[])[later])} (same as ${formatPath([...path, Math.min(i, j)])})`,
      });
      return;
    }
    default:
      out.push({ path, message: `${e.message ?? "invalid"}${e.data !== undefined ? `, found ${describe(e.data)}` : ""}` });
  }
}

/** What the schema finds wrong with `data`, one issue each. */
export function schemaIssues(data: unknown): RawIssue[] {
  const out: RawIssue[] = [];
  const validateScenario = scenarioValidator();
  if (!validateScenario(data)) translateErrors(validateScenario.errors ?? [], data, [], out);
  return out;
}
