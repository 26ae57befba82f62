// YAML aliases, capped: a billion-laughs file (scenario or ejabberd.yml) ends at once as bad input.
import { visit, type Alias, type Document } from "yaml";

/** YAML aliases may expand to at most this many nodes (yaml's maxAliasCount). */
export const MAX_ALIAS_COUNT = 100;

/** Why yaml refused the document's aliases, at the alias to blame. */
export interface AliasRefusal {
  offset: number;
  message: string;
  fix: string;
}

/** The document as plain data with aliases capped, or the refusal: the alias without an anchor, else (too many nodes) the first alias. */
export function toJSCapped(doc: Document): { data: unknown } | { refusal: AliasRefusal } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    // yaml throws a bare ReferenceError for an alias bomb and for an alias without its anchor.
    if (!(err instanceof ReferenceError)) throw err;
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_, node) => void aliases.push(node) });
    const unresolved = /^Unresolved alias/.test(err.message) ? aliases.find((a) => a.resolve(doc) === undefined) : undefined;
    const offset = (unresolved ?? aliases[0])?.range?.[0] ?? 0;
    if (unresolved) {
      const name = unresolved.source;
      return { refusal: { offset, message: `YAML alias *${name} has no anchor &${name} before it`, fix: `define the anchor &${name} before the alias` } };
    }
    return {
      refusal: {
        offset,
        message: `YAML aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion risk (${aliases.length} aliases in the file)`,
        fix: "write the values out instead of nesting aliases",
      },
    };
  }
}
