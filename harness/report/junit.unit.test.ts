import { parse as ltxParse, type Element } from "ltx";
import { describe, expect, it } from "vitest";
import { CELLS, sampleResults, XSS_LOG } from "./fixtures.ts";
import { renderJunit } from "./junit.ts";

// ltx has no default export under ESM; its parser is lenient, so lexical rules are checked separately.
const parse = (xml: string) => ltxParse(xml) as Element;

function expectLexicallyValid(xml: string): void {
  expect(xml).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  expect(xml).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
  // No raw `<` or `"` inside attribute values.
  for (const m of xml.matchAll(/ [a-z]+="([^"]*)"/g)) expect(m[1]).not.toMatch(/[<>]/);
}

describe("renderJunit", () => {
  const xml = renderJunit(sampleResults());
  const root = parse(xml);
  const suite = root.getChild("testsuite")!;
  const cases = suite.getChildren("testcase");
  const byName = (id: string) => cases.find((c) => c.attrs.name === id)!;

  it("parses as XML with one testsuite per scenario and one testcase per cell", () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe("testsuites");
    expectLexicallyValid(xml);
    expect(root.getChildren("testsuite").map((s) => s.attrs.name)).toEqual(["smoke"]);
    expect(cases.map((c) => c.attrs.name)).toEqual(Object.values(CELLS).map((c) => c.spec.id));
    for (const c of cases) {
      expect(c.attrs.classname).toBe("smoke");
      expect(c.attrs.time).toBe("0.800");
    }
  });

  it("counts failures (unexpected), errors (untolerated) and skipped (tolerated errors)", () => {
    for (const el of [root, suite]) {
      expect(el.attrs).toMatchObject({ tests: "9", failures: "2", errors: "1", skipped: "1" });
    }
    expect(cases.filter((c) => c.getChild("failure")).map((c) => c.attrs.name)).toEqual([CELLS.unexpected.spec.id, CELLS.flaky.spec.id]);
    expect(cases.filter((c) => c.getChild("error")).map((c) => c.attrs.name)).toEqual([CELLS.error.spec.id]);
    expect(byName(CELLS.tolerated.spec.id).getChild("skipped")!.attrs.message).toBe("tolerated error: timeout waiting for stream");
    expect(root.attrs.time).toBe("83.200");
  });

  it("shows a one-way cell as one-way, never as a plain pass", () => {
    const c = byName(CELLS.oneWay.spec.id);
    expect(c.getChild("failure")).toBeUndefined();
    expect(c.getChildText("system-out")!.split("\n")[0]).toBe("outcome: one-way (external; replies refused: unsupported certificate purpose)");
  });

  it("explains a failure: message plus expected vs actual in the body", () => {
    const failure = byName(CELLS.unexpected.spec.id).getChild("failure")!;
    expect(failure.attrs.message).toBe("expected fails, but the message was delivered (dialback)");
    const body = failure.getText();
    expect(body).toMatch(/^Expected: +fails \(rule: rules\[2\]\)$/m);
    expect(body).toMatch(/^Actual: +federates \(dialback\)$/m);
    expect(body).toMatch(/^Auth outbound: +dialback /m);
    const error = byName(CELLS.error.spec.id).getChild("error")!;
    expect(error.attrs.message).toBe("container ejabberd-23.01 exited with code 137");
  });

  it("puts raw log lines in system-out, escaped and with XML-invalid characters removed", () => {
    const out = byName(CELLS.asymmetric.spec.id).getChildText("system-out")!;
    expect(out.split("\n")).toEqual([
      "outcome: fails (dialback disabled on receiver <b>)",
      "ejabberd: rejecting s2s from a1.example",
      expect.stringContaining("<script>window.__pwned = 1</script>"),
    ]);
    expect(out).not.toMatch(/[\x00-\x08\x1b]/);
    expect(xml).not.toContain("<script>");
    expect(XSS_LOG).toContain("\x07");
  });

  it("stays well-formed with hostile text in names, messages and logs", () => {
    const evil = {
      ...CELLS.unexpected,
      spec: { ...CELLS.unexpected.spec, id: `a"b'<c>&d\u0000 → e`, scenario: "s]]>\uFFFE" },
      mismatch: 'line1\nline2 "quoted" <x/> \uD800 lone surrogate',
      logs: ["]]> <!-- --> \u0001\u000b"],
    };
    const r = { ...sampleResults([evil]), scenarios: [] };
    const text = renderJunit(r);
    expectLexicallyValid(text);
    const doc = parse(text);
    const tc = doc.getChild("testsuite")!.getChild("testcase")!;
    expect(tc.attrs.name).toBe(`a"b'<c>&d → e`);
    expect(tc.attrs.classname).toBe("s]]>");
    expect(tc.getChild("failure")!.attrs.message).toBe('line1\nline2 "quoted" <x/>  lone surrogate');
    expect(tc.getChildText("system-out")).toBe("outcome: federates (dialback)\n]]> <!-- --> ");
  });
});
