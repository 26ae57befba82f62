// Text leaving the harness: terminal escapes and control characters gone, XML escaped once.
import { describe, expect, it } from "vitest";
import { cleanText, escapeXml, stripAnsi } from "./text.ts";

describe("text", () => {
  it("strips colour and cursor escapes", () => {
    expect(stripAnsi("\x1b[31merror\x1b[0m \x1b[2Kdone")).toBe("error done");
  });

  it("cleanText: no escapes, no control characters; tab, newline and CR stay", () => {
    expect(cleanText("a\x00b\x07c\x1b[1md\x7f\te\nf\rg")).toBe("abcd\te\nf\rg");
  });

  it("escapeXml for text: & < > escaped once, quotes kept, characters XML forbids dropped", () => {
    expect(escapeXml(`<a href="x">&amp;</a>`)).toBe(`&lt;a href="x"&gt;&amp;amp;&lt;/a&gt;`);
    expect(escapeXml("x\uFFFEy\uD800z")).toBe("xyz");
    expect(escapeXml("😀")).toBe("😀");
  });

  it("escapeXml for attributes: quotes and whitespace as character references", () => {
    expect(escapeXml(`it's "a"\n\tb\r`, true)).toBe("it&apos;s &quot;a&quot;&#10;&#9;b&#13;");
  });
});
