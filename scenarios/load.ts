// Reads a scenario file: YAML → JSON Schema (scenario.schema.json, via ajv) → checks
// the schema cannot express (catalog, duplicates, selectors) → a normalised Scenario.
// Every problem becomes one line `file:line:col: field.path: what is wrong; what is allowed`,
// and all of them are thrown together as one ScenarioError (a UsageError, exit 2).
// Each step is a file of load/: limits, issues (positions), schema, checks, build.
import { resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { UsageError } from "../core/errors.ts";
import { toJSCapped } from "../core/yaml-aliases.ts";
import type { Scenario } from "./model.ts";
import { build } from "./load/build.ts";
import { semanticChecks } from "./load/checks.ts";
import { formatIssue, formatPath, locate, ScenarioError, type Path, type RawIssue, type ScenarioIssue } from "./load/issues.ts";
import { MAX_SCENARIO_BYTES, readCapped, tooLarge } from "./load/limits.ts";
import { SCENARIO_SCHEMA, schemaIssues } from "./load/schema.ts";
import { isObject } from "./load/wording.ts";

export { certificatePairs } from "./load/build.ts";
export { MAX_CONFIG_BYTES } from "./load/config.ts";
export { formatIssue, formatPath, ScenarioError, type ScenarioIssue } from "./load/issues.ts";
export { MAX_SCENARIO_BYTES } from "./load/limits.ts";
export { SCENARIO_SCHEMA, SCHEMA_PATH } from "./load/schema.ts";
export { MAX_ALIAS_COUNT } from "../core/yaml-aliases.ts";

/** Parses and validates scenario text; `file` is used in messages and as Scenario.file. Throws ScenarioError. */
export function parseScenario(text: string, file: string): Scenario {
  if (text.length > MAX_SCENARIO_BYTES) throw tooLarge(file, Buffer.byteLength(text));
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: Path, message: string): ScenarioIssue => {
    const pos = lines.linePos(offset);
    return { file, line: Math.max(1, pos.line), col: Math.max(1, pos.col), path: formatPath(path), message };
  };

  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => at(e.pos[0], [], `YAML syntax error: ${e.message.split("\n")[0]}`)));
  }
  if (doc.contents === null) {
    const required = (SCENARIO_SCHEMA.required as string[]).join(", ");
    throw new ScenarioError([at(0, [], `the file is empty; a scenario is a mapping with ${required}`)]);
  }
  const js = toJSCapped(doc);
  if ("refusal" in js) throw new ScenarioError([at(js.refusal.offset, [], `${js.refusal.message}; ${js.refusal.fix}`)]);
  const data = js.data;

  const raw: RawIssue[] = schemaIssues(data);
  const semantic = isObject(data) ? semanticChecks(data, file) : undefined;
  if (semantic) raw.push(...semantic.issues);
  if (raw.length > 0) {
    throw new ScenarioError(inFileOrder(raw.map((r) => at(r.keyPath ? locate(doc, r.keyPath, true).offset : locate(doc, r.path).offset, r.path, r.message))));
  }
  return build(file, data as Record<string, unknown>, semantic!.servers, doc, lines);
}

/** Issues by line and column (ties in the order found), each once. */
function inFileOrder(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.order - b.order)
    .map((x) => x.issue)
    .filter((i) => {
      const k = formatIssue(i);
      return !seen.has(k) && (seen.add(k), true);
    });
}

/** Reads, parses and validates a scenario file. Throws a UsageError (ScenarioError for content problems). */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readCapped(file);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const abs = resolve(file);
    const where = abs === file ? "" : ` (looked for ${abs})`;
    if (code === "ENOENT") throw new UsageError(`${file}: scenario file not found${where}`);
    if (code === "EISDIR") throw new UsageError(`${file}: is a directory, not a scenario file`);
    throw new UsageError(`${file}: cannot read scenario file: ${(err as Error).message}`);
  }
  return parseScenario(text, file);
}
