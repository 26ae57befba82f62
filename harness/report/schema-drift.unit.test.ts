// Keeps results.schema.json in step with core/types.ts: a field added to one and not the other fails here.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

type Schema = Record<string, any>;
const schema: Schema = JSON.parse(readFileSync(new URL("./results.schema.json", import.meta.url), "utf8"));
const source = ts.createSourceFile("types.ts", readFileSync(new URL("../../core/types.ts", import.meta.url), "utf8"), ts.ScriptTarget.Latest, true);

const decls = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
source.forEachChild((n) => {
  if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) decls.set(n.name.text, n);
});

/** Fields that the schema documents ahead of types.ts. */
const SCHEMA_ONLY: Record<string, string[]> = {};
/** Fields whose type lives outside types.ts (the relay's capture, core/capture.ts): present, shape not checked here. */
const OPAQUE: Record<string, string[]> = { Attempt: ["capture"], CellResult: ["capture"] };

const deref = (s: Schema): Schema => (s.$ref ? deref(schema.$defs[s.$ref.replace("#/$defs/", "")]) : s);

function literals(t: ts.TypeNode): string[] | undefined {
  if (ts.isUnionTypeNode(t)) {
    const parts = t.types.map(literals);
    return parts.every(Boolean) ? parts.flat() as string[] : undefined;
  }
  if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return [t.literal.text];
  if (ts.isTypeReferenceNode(t)) {
    const d = decls.get(t.typeName.getText());
    if (d && ts.isTypeAliasDeclaration(d)) return literals(d.type);
  }
  return undefined;
}

function checkType(t: ts.TypeNode, s: Schema, where: string): void {
  const lits = literals(t);
  if (lits) {
    const d = deref(s);
    expect(d.enum ?? [d.const], where).toEqual(expect.arrayContaining(lits));
    expect((d.enum ?? [d.const]).length, where).toBe(lits.length);
  } else if (ts.isArrayTypeNode(t)) {
    expect(deref(s).type, where).toBe("array");
    checkType(t.elementType, deref(s).items, `${where}[]`);
  } else if (ts.isTypeLiteralNode(t)) {
    checkMembers(t.members, deref(s), where);
  } else if (ts.isTypeReferenceNode(t) && t.typeName.getText() === "Record") {
    // Record<string, V>: an open object whose values are V.
    expect(deref(s).type, where).toBe("object");
    checkType(t.typeArguments![1], deref(s).additionalProperties, `${where}{}`);
  } else if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName.getText();
    const d = decls.get(name);
    expect(d && ts.isInterfaceDeclaration(d), `${where}: ${name} is an interface in types.ts`).toBe(true);
    expect(s.$ref, where).toBe(`#/$defs/${name}`);
  } else {
    const keywords: Partial<Record<ts.SyntaxKind, string>> = {
      [ts.SyntaxKind.StringKeyword]: "string",
      [ts.SyntaxKind.NumberKeyword]: "number",
      [ts.SyntaxKind.BooleanKeyword]: "boolean",
    };
    const kind = keywords[t.kind];
    expect(kind, `${where}: type ${t.getText()} not handled by this test`).toBeDefined();
    // The schema may narrow a number to an integer (counts).
    expect(kind === "number" ? ["number", "integer"] : [kind], where).toContain(deref(s).type);
  }
}

function checkMembers(members: ts.NodeArray<ts.TypeElement>, s: Schema, where: string, extra: string[] = []): void {
  const props = members.filter(ts.isPropertySignature);
  const names = props.map((p) => p.name.getText());
  expect(s.additionalProperties, `${where} is closed`).toBe(false);
  expect(Object.keys(s.properties).sort(), `${where} properties`).toEqual([...names, ...extra].sort());
  expect([...s.required].sort(), `${where} required`).toEqual(props.filter((p) => !p.questionToken).map((p) => p.name.getText()).sort());
  for (const p of props) {
    if (OPAQUE[where]?.includes(p.name.getText())) continue;
    checkType(p.type!, s.properties[p.name.getText()], `${where}.${p.name.getText()}`);
  }
}

describe("results.schema.json matches core/types.ts", () => {
  it("starts at RunResults", () => expect(schema.$ref).toBe("#/$defs/RunResults"));

  const interfaces = ["RunResults", "CellResult", "CellSpec", "CellSide", "Expectation", "Attempt", "ProbeResult", "MessageResult", "PingResult", "AuthEvent", "CellShard", "ShardInfo", "MergedFrom", "MergedShard", "CellSettings", "IncompleteRun", "ResumedFrom", "ScenarioFindings", "FindingDefault", "Finding", "FindingWhen", "UndecidedCell", "UnexplainedCell", "ScenarioSource"];
  for (const name of interfaces) {
    it(name, () => {
      const d = decls.get(name);
      expect(d && ts.isInterfaceDeclaration(d)).toBe(true);
      checkMembers((d as ts.InterfaceDeclaration).members, schema.$defs[name], name, SCHEMA_ONLY[name]);
    });
  }

  it("every interface reachable from RunResults is covered", () => {
    const reached = new Set<string>();
    const walk = (n: ts.Node): void => {
      if (ts.isTypeReferenceNode(n)) {
        const name = n.typeName.getText();
        const d = decls.get(name);
        if (d && ts.isInterfaceDeclaration(d) && !reached.has(name)) {
          reached.add(name);
          d.forEachChild(walk);
        }
      }
      n.forEachChild(walk);
    };
    decls.get("RunResults")!.forEachChild(walk);
    expect([...reached].sort()).toEqual(expect.arrayContaining(interfaces.filter((n) => n !== "RunResults").sort()));
    expect(interfaces).toEqual(expect.arrayContaining([...reached]));
  });
});
