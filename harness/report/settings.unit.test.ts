// The settings in force per cell: in results.json (schema), the HTML cell view and matrix.md.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { renderJson } from "./json.ts";
import { makeCell, P12, P13, sampleResults } from "./fixtures.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { configuredServers } from "./settings.ts";
import type { CellResult } from "../../core/types.ts";

const side = (server: string) => ({ server, certificate: "untrusted" as const, dialback: "on" as const });
const withSettings = (receiver: Record<string, string>): CellResult => ({
  ...makeCell({ i: side(P13), r: side(P12), outcome: "federates", expected: { outcome: "federates" } }),
  settings: {
    initiator: { s2s_secure_auth: "true (s2s-matrix)", dialback: "on (scenario)" },
    receiver: { ...receiver, dialback: "on (scenario)" },
  },
});

describe("settings in force", () => {
  const configured = withSettings({ s2s_secure_auth: "false (your config)", s2s_require_encryption: "true (Prosody default)" });
  const stock = withSettings({ s2s_secure_auth: "true (s2s-matrix)" });

  test("results.json: settings validate against the schema, and a non-string value does not", () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(new URL("./results.schema.json", import.meta.url), "utf8")));
    const data = JSON.parse(renderJson(sampleResults([{ ...configured, attempts: configured.attempts.map((a) => ({ ...a, settings: configured.settings })) }])));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    data.cells[0].settings.receiver.s2s_secure_auth = false;
    expect(validate(data)).toBe(false);
  });

  test("HTML: each cell shows both sides' settings", () => {
    const html = renderHtml(sampleResults([configured]));
    expect(html).toContain("<h4>Settings in force</h4>");
    expect(html).toMatch(/<tr><th>s2s_secure_auth<\/th><td>true \(s2s-matrix\)<\/td><td>false \(your config\)<\/td><\/tr>/);
    expect(html).toMatch(/<tr><th>dialback<\/th><td>on \(scenario\)<\/td><td>on \(scenario\)<\/td><\/tr>/);
  });

  test("matrix.md: a per-server summary when an operator's config decided a setting, nothing otherwise", () => {
    const md = renderMarkdown(sampleResults([configured]));
    expect(md).toContain("## Settings in force (your config)");
    expect(md).toContain(`- **${P12}**: \`s2s_secure_auth\` = false (your config); \`s2s_require_encryption\` = true (Prosody default)`);
    expect(md).not.toContain(`- **${P13}**`);
    expect(renderMarkdown(sampleResults([stock]))).not.toContain("Settings in force");
  });

  test("the per-server summary leaves out the per-cell dialback", () => {
    expect(configuredServers([configured]).get(P12)).toEqual({ s2s_secure_auth: "false (your config)", s2s_require_encryption: "true (Prosody default)" });
  });
});
