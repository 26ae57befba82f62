// Where a scenario file's `expect:` block is, and the file with another block in its
// place: every byte outside the block stays as it was (comments above `expect:` and
// after its last rule at the top level included).
import { isCollection, isMap, isPair, isScalar, parseDocument } from "yaml";

/** [start, end) of the `expect:` block: from its key's line to the end of its last line (an indented comment after its last rule included). */
export function expectBlockRange(text: string): [number, number] | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "expect");
  if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined;
  const start = text.lastIndexOf("\n", pair.key.range[0] - 1) + 1;
  const column = pair.key.range[0] - start;
  // The end of the block's content: its furthest scalar or flow collection (a block
  // collection's own range runs on over the comments after it, which may not be its).
  let contentEnd = pair.key.range[1];
  const visit = (n: unknown): void => {
    if (isScalar(n) || (isCollection(n) && n.flow)) {
      if (n.range) contentEnd = Math.max(contentEnd, n.range[1]);
    } else if (isCollection(n)) {
      for (const item of n.items) {
        if (isPair(item)) (visit(item.key), visit(item.value));
        else visit(item);
      }
    }
  };
  visit(pair.value);
  let end = text.indexOf("\n", Math.max(contentEnd - 1, start));
  end = end < 0 ? text.length : end + 1;
  // Comments indented under `expect:` after the last rule belong to it; a blank line or a top-level line does not.
  for (let at = end; at < text.length; ) {
    const next = text.indexOf("\n", at);
    const line = text.slice(at, next < 0 ? text.length : next);
    const m = /^(\s*)#/.exec(line);
    if (!m || m[1].length <= column) break;
    at = end = next < 0 ? text.length : next + 1;
  }
  return [start, end];
}

/** `text` with its `expect:` block replaced by `block` (which ends in a newline); undefined when the file has none. */
export function replaceExpectBlock(text: string, block: string): string | undefined {
  const range = expectBlockRange(text);
  if (!range) return undefined;
  const [start, end] = range;
  const old = text.slice(start, end);
  const fresh = old.endsWith("\n") ? block : block.replace(/\n$/, "");
  return text.slice(0, start) + fresh + text.slice(end);
}
