// A problem in a scenario file: where it is (file:line:col, field path) and what is wrong.
import { isAlias, isMap, isScalar, isSeq, type Document } from "yaml";
import { UsageError } from "../../core/errors.ts";

/** One problem in a scenario file. */
export interface ScenarioIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Field path such as `expect.rules[0].receiver`; "" for the document itself. */
  path: string;
  message: string;
}

export const formatIssue = (i: ScenarioIssue): string =>
  `${i.file}:${i.line}:${i.col}: ${i.path ? `${i.path}: ` : ""}${i.message}`;

/** Everything wrong with a scenario file, one issue per line of the message. */
export class ScenarioError extends UsageError {
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ScenarioError";
  }
}

/** A field path in the parsed data: keys and list indexes. */
export type Path = (string | number)[];

/** A problem before it is positioned in the file. */
export interface RawIssue {
  /** The field the message is about. */
  path: Path;
  /** Position at this key instead of at `path`'s value. */
  keyPath?: Path;
  message: string;
}

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

interface Located {
  offset: number;
}

/**
 * The offset of the YAML node at `path` (or of its key when `atKey`); when the
 * path does not exist in the document, the deepest ancestor that does.
 */
export function locate(doc: Document, path: Path, atKey = false): Located {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let node: any = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      const key = pair.key as { range?: [number, number, number] } | null;
      const last = i === path.length - 1;
      if (last && atKey && key?.range) return { offset: key.range[0] };
      const value = pair.value as { range?: [number, number, number] } | null;
      if (!value?.range) {
        // `key:` with no value: point at the key.
        if (key?.range) offset = key.range[0];
        break;
      }
      node = value;
      offset = value.range[0];
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as { range?: [number, number, number] } | undefined;
      if (!item?.range) break;
      node = item;
      offset = item.range[0];
    } else {
      break;
    }
  }
  return { offset };
}

