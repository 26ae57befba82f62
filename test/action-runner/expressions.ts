// `${{ }}` and `if:` evaluated by GitHub's own expression library (@actions/expressions,
// the one behind the Actions language service), with the runner's status functions.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { TokenType } from "@actions/expressions/lexer";
import { truthy } from "@actions/expressions/result";

export type JobStatus = "success" | "failure" | "cancelled";

export interface ExprScope {
  /** Contexts by name (inputs, steps, runner, github, strategy, matrix, env, job, needs…), plain JSON. */
  contexts: Record<string, unknown>;
  /** The status the status functions see: the job's, or inside a composite action the action's steps'. */
  status: JobStatus;
  /** Base directory of hashFiles(). */
  workspace?: string;
}

const STATUS_FUNCTIONS = ["always", "success", "failure", "cancelled"];

function functions(scope: ExprScope): Map<string, FunctionDefinition> {
  const bool = (b: boolean) => new data.BooleanData(b);
  const fns: FunctionDefinition[] = [
    { name: "always", minArgs: 0, maxArgs: 0, call: () => bool(true) },
    { name: "success", minArgs: 0, maxArgs: 0, call: () => bool(scope.status === "success") },
    { name: "failure", minArgs: 0, maxArgs: 0, call: () => bool(scope.status === "failure") },
    { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => bool(scope.status === "cancelled") },
    {
      name: "hashFiles",
      minArgs: 1,
      maxArgs: 255,
      call: (...args) => new data.StringData(hashFiles(scope.workspace ?? process.cwd(), args.map((a) => a.coerceString()))),
    },
  ];
  return new Map(fns.map((f) => [f.name.toLowerCase(), f]));
}

/**
 * hashFiles() for literal paths (the only kind this project's files use): the runner's
 * sha256 over each file's sha256, "" when nothing matches. A glob is refused, not guessed.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const outer = createHash("sha256");
  let any = false;
  for (const p of patterns) {
    if (/[*?[\]!]/.test(p)) throw new Error(`hashFiles('${p}'): the stand-in runner supports literal paths only`);
    const file = join(workspace, p);
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    outer.update(createHash("sha256").update(readFileSync(file)).digest());
    any = true;
  }
  return any ? outer.digest("hex") : "";
}

/** Parses against the contexts in scope: a context the step cannot see is an error, as on GitHub. */
function parse(expr: string, scope: ExprScope) {
  const lexed = new Lexer(expr).lex();
  const infos = [...functions(scope).values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
  return { tokens: lexed.tokens, ast: new Parser(lexed.tokens, Object.keys(scope.contexts), infos).parse() };
}

/** The value of one expression (without the `${{ }}`), as the library's data. */
export function evaluate(expr: string, scope: ExprScope): data.ExpressionData {
  const context = JSON.parse(JSON.stringify(scope.contexts), data.reviver) as data.Dictionary;
  return new Evaluator(parse(expr, scope).ast, context, functions(scope)).evaluate();
}

/** Strips one `${{ … }}` around a whole `if:` value (both spellings are allowed there). */
function unwrap(expr: string): string {
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expr);
  return m ? m[1] : expr;
}

/**
 * An `if:` as the runner decides it: empty means success(); a condition that calls no
 * status function is success() && (condition).
 */
export function evaluateIf(condition: string | boolean | undefined, scope: ExprScope): boolean {
  if (condition === undefined || condition === "") return scope.status === "success";
  const expr = unwrap(String(condition));
  const usesStatus = parse(expr, scope).tokens.some(
    (t) => t.type === TokenType.IDENTIFIER && STATUS_FUNCTIONS.includes(t.lexeme.toLowerCase()),
  );
  const full = usesStatus ? expr : `success() && (${expr})`;
  return truthy(evaluate(full, scope));
}

/** Index of the `}}` closing an expression that starts at `from`, skipping '…' string literals. */
function closing(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") {
      // '' inside a string is an escaped quote
      if (inString && text[i + 1] === "'") i++;
      else inString = !inString;
    } else if (!inString && text.startsWith("}}", i)) return i;
  }
  throw new Error(`unterminated \${{ in ${JSON.stringify(text)}`);
}

/** A template string with every `${{ expr }}` replaced by its value (as the runner coerces it to a string). */
export function interpolate(text: string, scope: ExprScope): string {
  let out = "";
  let at = 0;
  for (;;) {
    const start = text.indexOf("${{", at);
    if (start < 0) return out + text.slice(at);
    const end = closing(text, start + 3);
    const value = evaluate(text.slice(start + 3, end), scope);
    out += text.slice(at, start) + toText(value);
    at = end + 2;
  }
}

/** A value as it lands in a string: null as "", objects as JSON. */
function toText(v: data.ExpressionData): string {
  if (v.kind === data.Kind.Null) return "";
  if (v.kind === data.Kind.Dictionary || v.kind === data.Kind.Array) return JSON.stringify(v, data.replacer, 2);
  return v.coerceString();
}
