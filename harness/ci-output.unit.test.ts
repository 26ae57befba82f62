import { describe, expect, it } from "vitest";
import { ciSafeWriter, defuseWorkflowCommands } from "./ci-output.ts";

describe("defuseWorkflowCommands", () => {
  it("no line starts a workflow command, whatever the text holds", () => {
    const text = "unexpected: a → b: fails (x\n::error title=Fake::x)\r::stop-commands::tok\n  ::warning::y\n##[group]z\nkept: a::b ##[c\n";
    const out = defuseWorkflowCommands(text);
    expect(out).toBe("unexpected: a → b: fails (x\n:\u200b:error title=Fake::x) ::stop-commands::tok\n  :\u200b:warning::y\n#\u200b#[group]z\nkept: a::b ##[c\n");
    for (const line of out.split("\n")) expect(line.trimStart()).not.toMatch(/^(::|##\[)/);
    expect(out).not.toContain("\r");
  });

  it("leaves text without commands as it is", () => {
    const text = "s2s-matrix 0.1.0: run r1, 4 cells\n  fix: start Docker\n";
    expect(defuseWorkflowCommands(text)).toBe(text);
  });
});

describe("ciSafeWriter", () => {
  const capture = () => {
    const written: string[] = [];
    return { written, stream: { write: (s: string) => written.push(s) } };
  };
  it("defuses under GITHUB_ACTIONS only", () => {
    const gh = capture();
    ciSafeWriter(gh.stream, { GITHUB_ACTIONS: "true" })("::error::x\n");
    expect(gh.written).toEqual([":\u200b:error::x\n"]);
    const local = capture();
    ciSafeWriter(local.stream, {})("::error::x\n");
    expect(local.written).toEqual(["::error::x\n"]);
  });
});
