// Reading a Prosody config file (Lua) without running it: its top-level
// statements, the scope each one is in (global, or a VirtualHost/Component
// section), and the value of every option that is a plain literal.
import luaparse from "luaparse";
import type { Expression, Statement } from "luaparse";
import { UsageError } from "../../core/errors.ts";

/** Source range of a node (parsed with `ranges: true`; the typings leave it off some node types). */
const rangeOf = (n: object): [number, number] => (n as { range: [number, number] }).range;

/** A literal Lua value; a table keeps its list part and its string keys apart. */
export type LuaValue = string | number | boolean | null | LuaTable;
export interface LuaTable {
  list: LuaValue[];
  keys: Record<string, LuaValue>;
  /** Source text of each keyed field (`protocol = "tlsv1_2+"`), to copy it verbatim. */
  keySource: Record<string, string>;
}

/** The scope a statement is in: the global section, or the section a `VirtualHost "x"` / `Component "x"` opened. */
export type Scope = { kind: "global" } | { kind: "host" | "component"; name: string; line: number };

export interface LuaStatement {
  scope: Scope;
  /** Source range [start, end) and first line. */
  range: [number, number];
  line: number;
  /** `name = value` with one plain name: the option it sets. */
  option?: { name: string; value: LuaValue | undefined; source: string; calls: string[] };
  /** A call of Prosody's config functions: VirtualHost, Component, Include, RunScript… (lower-cased). */
  directive?: { name: string; args: string[] };
}

export interface LuaConfig {
  /**
   * The file as a byte string (one char per UTF-8 byte, as Lua reads it): every range
   * indexes into it. `utf8()` turns a slice of it back into text.
   */
  text: string;
  statements: LuaStatement[];
}

const isTable = (v: LuaValue | undefined): v is LuaTable => typeof v === "object" && v !== null;

/** The literal value of an expression; undefined for anything computed (a variable, a call, an operator). */
export function literal(e: Expression, text: string): LuaValue | undefined {
  switch (e.type) {
    case "StringLiteral":
      return e.value === null ? undefined : utf8(e.value);
    case "NumericLiteral":
    case "BooleanLiteral":
      return e.value;
    case "NilLiteral":
      return null;
    case "UnaryExpression":
      if (e.operator === "-" && e.argument.type === "NumericLiteral") return -e.argument.value;
      return undefined;
    case "TableConstructorExpression": {
      const t: LuaTable = { list: [], keys: {}, keySource: {} };
      for (const f of e.fields) {
        const v = literal(f.value, text);
        if (v === undefined) return undefined;
        if (f.type === "TableValue") t.list.push(v);
        else {
          const k = f.type === "TableKeyString" ? f.key.name : f.key.type === "StringLiteral" ? f.key.value : undefined;
          if (typeof k !== "string") return undefined;
          t.keys[k] = v;
          t.keySource[k] = utf8(text.slice(...rangeOf(f)));
        }
      }
      return t;
    }
    default:
      return undefined;
  }
}

/** Names of the functions an expression calls (FileContents, Credential…), at any depth. */
function callsIn(e: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) return n.forEach(walk);
    const node = n as { type?: string; base?: { type: string; name?: string } };
    if ((node.type === "CallExpression" || node.type === "StringCallExpression" || node.type === "TableCallExpression") && node.base?.type === "Identifier")
      out.push(node.base.name!);
    for (const [k, v] of Object.entries(node)) if (k !== "loc" && k !== "range") walk(v);
  };
  walk(e);
  return out;
}

/** `VirtualHost "x"`, `Component "x" "muc"`, `Include("a")`: the function's name and its string arguments. */
function directiveOf(s: Statement): LuaStatement["directive"] {
  if (s.type !== "CallStatement") return undefined;
  const args: string[] = [];
  let e: Expression = s.expression;
  // Curried calls nest inwards: Component "x" "muc" is (Component "x") "muc".
  for (;;) {
    if (e.type === "StringCallExpression") {
      if (e.argument.type === "StringLiteral" && e.argument.value !== null) args.unshift(utf8(e.argument.value));
      e = e.base;
    } else if (e.type === "CallExpression") {
      const lits = e.arguments.map((a) => (a.type === "StringLiteral" ? a.value : null));
      args.unshift(...lits.filter((x): x is string => typeof x === "string").map(utf8));
      e = e.base;
    } else break;
  }
  return e.type === "Identifier" ? { name: e.name.toLowerCase(), args } : undefined;
}

/** Parses a Prosody config file; a Lua syntax error is bad input (exit 2) naming file, line and column. */
export function readLuaConfig(file: string, source: string): LuaConfig {
  // Bytes, not UTF-16 code units: Lua strings are bytes, and luaparse's byte mode takes them as is.
  const text = Buffer.from(source, "utf8").toString("latin1");
  let chunk;
  try {
    chunk = luaparse.parse(text, { ranges: true, locations: true, encodingMode: "pseudo-latin1", luaVersion: "5.3" });
  } catch (e) {
    const err = e as Error & { line?: number; column?: number };
    throw new UsageError(
      `${file}:${err.line ?? 1}:${(err.column ?? 0) + 1}: not valid Lua: ${err.message.replace(/^\[\d+:\d+\] /, "")}\n  fix: correct the file; \`prosodyctl check config\` on your server shows the same`,
    );
  }
  let scope: Scope = { kind: "global" };
  const statements: LuaStatement[] = [];
  for (const s of chunk.body) {
    const directive = directiveOf(s);
    const line = s.loc!.start.line;
    if (directive && ["virtualhost", "host", "component"].includes(directive.name)) {
      const name = directive.args[0] ?? "?";
      // `Host "*"` goes back to the global section.
      scope = name === "*" ? { kind: "global" } : { kind: directive.name === "component" ? "component" : "host", name, line };
    }
    const st: LuaStatement = { scope, range: rangeOf(s), line, directive };
    if (s.type === "AssignmentStatement" && s.variables.length === 1 && s.variables[0].type === "Identifier" && s.init.length === 1) {
      st.option = {
        name: s.variables[0].name,
        value: literal(s.init[0], text),
        source: utf8(text.slice(...rangeOf(s.init[0]))),
        calls: callsIn(s.init[0]),
      };
    }
    statements.push(st);
  }
  return { text, statements };
}

/** A slice of the byte string as text again. */
export const utf8 = (bytes: string): string => Buffer.from(bytes, "latin1").toString("utf8");

export const luaString = (s: string): string => JSON.stringify(s); // JSON string escapes are valid Lua
export const luaList = (xs: string[]): string => `{ ${xs.map(luaString).join(", ")} }`;
export const strings = (v: LuaValue | undefined): string[] | undefined =>
  isTable(v) ? v.list.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : undefined;
export { isTable };

/** A value as an operator would write it, for notices and the settings shown per cell. */
export function showLua(v: LuaValue | undefined): string {
  if (v === undefined) return "(computed)";
  if (v === null) return "nil";
  if (typeof v === "string") return luaString(v);
  if (!isTable(v)) return String(v);
  const parts = [...v.list.map(showLua), ...Object.entries(v.keys).map(([k, x]) => `${k} = ${showLua(x)}`)];
  return `{ ${parts.join(", ")} }`;
}
