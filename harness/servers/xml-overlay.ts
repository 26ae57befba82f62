// An operator's XML config file laid over the harness's, for the families whose
// config is XML (Openfire's openfire.xml, jabberd2's s2s.xml): their elements win,
// except those the harness must decide, each with a notice.
import { parse, type Element } from "ltx";
import { UsageError } from "../../core/errors.ts";

const elements = (el: Element): Element[] => el.children.filter((c): c is Element => typeof c !== "string");
const isLeaf = (el: Element): boolean => !elements(el).length;

/** Records a leaf's text under `name`; a repeated leaf's texts are joined with ", ". */
const addLeaf = (out: Record<string, string>, name: string, el: Element): void => {
  const text = el.getText().trim();
  out[name] = name in out ? `${out[name]}, ${text}` : text;
};

/** Every leaf element under `el` (its own name first): dotted name → text; repeated leaves joined with ", ". */
export function leaves(el: Element, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  const name = prefix ? `${prefix}.${el.name}` : el.name;
  if (isLeaf(el)) addLeaf(out, name, el);
  for (const k of elements(el)) leaves(k, name, out);
  return out;
}

/** Their file's root element, or bad input naming the file and what to give instead. */
export function parseTheirXml(file: string, text: string, root: string, what: string): Element {
  let el: Element;
  try {
    el = parse(text) as Element;
  } catch (e) {
    throw new UsageError(`${file}: not well-formed XML: ${(e as Error).message}\n  fix: give your ${what} as it is on the server`);
  }
  if (el.name !== root) throw new UsageError(`${file}: the root element is <${el.name}>, ${what} has <${root}>\n  fix: give your ${what}`);
  return el;
}

export interface Overlay {
  /** Their leaves now in force, dotted from below the root: name → text. */
  theirs: Record<string, string>;
  notices: string[];
}

/**
 * Lays `over` (theirs) onto `mine`, both roots of the same kind. A leaf of theirs
 * replaces every leaf of ours with its name (repeated leaves, such as jabberd2's
 * <srv>, are replaced as a set); a subtree is laid onto ours, or taken whole where
 * we have none. A dotted path in `owned` (below the root) stays ours: theirs is
 * dropped with a notice giving the reason.
 */
export function overlayXml(mine: Element, over: Element, owned: Record<string, string>, file: string): Overlay {
  const theirs: Record<string, string> = {};
  const notices: string[] = [];
  const lay = (target: Element, source: Element, path: string): void => {
    const replaced = new Set<string>();
    for (const child of elements(source)) {
      const name = path ? `${path}.${child.name}` : child.name;
      if (name in owned) {
        if (!replaced.has(name)) notices.push(`${file}: <${name.split(".").join("><")}> overridden: ${owned[name]}`);
        replaced.add(name);
        continue;
      }
      if (isLeaf(child)) {
        if (!replaced.has(name)) for (const old of target.getChildren(child.name)) target.remove(old);
        replaced.add(name);
        target.cnode(parse(child.toString()) as Element);
        addLeaf(theirs, name, child);
        continue;
      }
      let sub = target.getChild(child.name);
      if (!sub) {
        // A subtree the harness does not have: taken whole, less what it owns.
        sub = new (child.constructor as new (n: string, a: object) => Element)(child.name, child.attrs);
        target.cnode(sub);
      }
      lay(sub, child, name);
    }
  };
  lay(mine, over, "");
  for (const [k, v] of Object.entries(theirs)) {
    if (/^\//.test(v)) notices.push(`${file}: <${k.split(".").join("><")}> names ${JSON.stringify(v)}, a path on your machine: kept, but the container may not have it`);
  }
  return { theirs, notices };
}
