// Resolving the names in a rule's selectors: a family, a server's name, a version range that matches a server.
import type { ScenarioServer } from "../model.ts";
import { parseSelector, selects, type SelectableServer } from "../versions.ts";
import type { Path, RawIssue } from "./issues.ts";
import { SCENARIO_SCHEMA } from "./schema.ts";
import { catalogFamilies, suggest } from "./wording.ts";

const SELECTOR_RE = new RegExp(String(SCENARIO_SCHEMA.definitions?.selector?.pattern));

/** The scenario's servers as rule selectors see them. */
const selectable = (s: ScenarioServer): SelectableServer => ({ name: s.id, family: s.family, version: s.version });

export function checkSelector(text: unknown, path: Path, servers: ScenarioServer[], serversOk: boolean, issues: RawIssue[]): void {
  if (typeof text !== "string" || !SELECTOR_RE.test(text)) return; // the schema reported it
  let sel;
  try {
    sel = parseSelector(text);
  } catch (err) {
    issues.push({ path, message: (err as Error).message });
    return;
  }
  if (sel.family === undefined) return;
  const names = servers.filter((s) => s.named).map((s) => s.id);
  if (!sel.range && names.includes(sel.text)) return; // a server's name
  const families = catalogFamilies();
  if (!families.includes(sel.family)) {
    const named = names.length ? `; server names: ${names.join(", ")}` : "";
    issues.push({
      path,
      message: `unknown server ${names.length ? "family or name" : "family"} "${sel.family}" in selector "${text}"; known families: ${families.join(", ")}${named}${suggest(sel.family, [...families, ...names])}`,
    });
    return;
  }
  if (!serversOk || servers.length === 0) return;
  // A named server's version changes with each bump it is gated across: a rule about other
  // versions of its family (`receiver: ejabberd@<25.07`) stays meaningful when it matches none.
  if (servers.some((s) => s.named && s.family === sel.family)) return;
  if (!servers.some((s) => selects(sel, selectable(s)))) {
    const same = servers.filter((s) => s.family === sel.family);
    const list = (xs: ScenarioServer[]) => xs.map((s) => (s.named ? `${s.id} (${s.version ? `${s.family}@${s.version}` : `${s.family} image, version unknown until it runs`})` : s.id)).join(", ");
    issues.push({
      path,
      message: `"${text}" matches none of the scenario's servers; ${
        same.length ? `its ${sel.family} servers are ${list(same)}` : `it has no ${sel.family} server (servers: ${list(servers)})`
      }`,
    });
  }
}
