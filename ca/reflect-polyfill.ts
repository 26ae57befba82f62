// @peculiar/x509 v2 uses tsyringe, which throws at load time unless a Reflect metadata
// API exists. No polyfill package is a dependency, so this is the minimal subset
// tsyringe calls. Import this module before "@peculiar/x509" in every file using it.
type Meta = Map<unknown, unknown>;
const store = new WeakMap<object, Map<string | symbol | undefined, Meta>>();

function own(target: object, prop: string | symbol | undefined, create: boolean): Meta | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let meta = byProp?.get(prop);
  if (!meta && create && byProp) byProp.set(prop, (meta = new Map()));
  return meta;
}

const api = {
  defineMetadata(key: unknown, value: unknown, target: object, prop?: string | symbol): void {
    own(target, prop, true)!.set(key, value);
  },
  getOwnMetadata(key: unknown, target: object, prop?: string | symbol): unknown {
    return own(target, prop, false)?.get(key);
  },
  hasOwnMetadata(key: unknown, target: object, prop?: string | symbol): boolean {
    return own(target, prop, false)?.has(key) ?? false;
  },
  // Inherited lookups walk the prototype chain, as reflect-metadata does.
  getMetadata(key: unknown, target: object, prop?: string | symbol): unknown {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const meta = own(t, prop, false);
      if (meta?.has(key)) return meta.get(key);
    }
    return undefined;
  },
  hasMetadata(key: unknown, target: object, prop?: string | symbol): boolean {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) if (own(t, prop, false)?.has(key)) return true;
    return false;
  },
  metadata(key: unknown, value: unknown) {
    return (target: object, prop?: string | symbol) => api.defineMetadata(key, value, target, prop);
  },
};

// Leave a real polyfill alone if one was loaded first.
const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  for (const [name, fn] of Object.entries(api)) R[name] = fn;
}
