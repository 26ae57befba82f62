// Where each cell runs. Pure: which containers boot and which virtual hosts each
// carries, so that the shared mode can be unit-tested without Docker.
//
// Shared mode (`--isolation vhost`, the default): one container per server
// version; every cell gets two fresh virtual hosts (`c17-a.example` on the
// initiator's container, `c17-b.example` on the receiver's), each with its own
// certificate and dialback setting, so no s2s session, dialback key or cache
// can leak between cells. A server paired with its own version needs a second
// container (one server would deliver locally, without s2s): the initiator side
// of such cells lives on `#2`. Settings that an adapter can only set
// server-wide split a version into one container per distinct setting.
//
// Isolated mode (`--isolation container`): two fresh containers per cell, the
// reference the shared mode must agree with.
import type { CellSpec, Dialback, ProfileName } from "./types.ts";

export type Isolation = "vhost" | "container";

export interface PlannedHost {
  domain: string;
  certificate: ProfileName;
  dialback: Dialback;
}

export interface PlannedInstance {
  key: string;
  server: string;
  hosts: PlannedHost[];
}

export interface PlannedCell {
  spec: CellSpec;
  initiator: { instance: string; domain: string };
  receiver: { instance: string; domain: string };
}

/** A group of instances started together and the cells that run on them. */
export interface Stage {
  instances: PlannedInstance[];
  cells: PlannedCell[];
}

export interface PlanOptions {
  isolation: Isolation;
  /** Distinguishes a re-run's domains from the first run's ("c" then "r"). */
  prefix?: string;
  tld?: string;
  /** Key of settings the server can only set globally, for a host on this server; undefined = all per host. */
  serverWideKey?: (server: string, host: PlannedHost) => string | undefined;
}

/** Cells numbered from 1 in the given order; the number names their domains. */
export function plan(cells: { spec: CellSpec; n: number }[], opts: PlanOptions): Stage[] {
  const prefix = opts.prefix ?? "c";
  const tld = opts.tld ?? "example";
  const hostFor = (n: number, side: "a" | "b", spec: CellSpec): PlannedHost => {
    const s = side === "a" ? spec.initiator : spec.receiver;
    return { domain: `${prefix}${n}-${side}.${tld}`, certificate: s.certificate, dialback: s.dialback };
  };

  if (opts.isolation === "container") {
    return cells.map(({ spec, n }) => {
      const a = hostFor(n, "a", spec);
      const b = hostFor(n, "b", spec);
      const ia: PlannedInstance = { key: `${prefix}${n}:a:${spec.initiator.server}`, server: spec.initiator.server, hosts: [a] };
      const ib: PlannedInstance = { key: `${prefix}${n}:b:${spec.receiver.server}`, server: spec.receiver.server, hosts: [b] };
      return {
        instances: [ia, ib],
        cells: [{ spec, initiator: { instance: ia.key, domain: a.domain }, receiver: { instance: ib.key, domain: b.domain } }],
      };
    });
  }

  const instances = new Map<string, PlannedInstance>();
  const place = (server: string, host: PlannedHost, copy: 1 | 2): string => {
    const wide = opts.serverWideKey?.(server, host);
    const key = `${server}${wide ? `[${wide}]` : ""}#${copy}`;
    let inst = instances.get(key);
    if (!inst) instances.set(key, (inst = { key, server, hosts: [] }));
    inst.hosts.push(host);
    return key;
  };
  const planned: PlannedCell[] = cells.map(({ spec, n }) => {
    const a = hostFor(n, "a", spec);
    const b = hostFor(n, "b", spec);
    const selfPair = spec.initiator.server === spec.receiver.server;
    return {
      spec,
      initiator: { instance: place(spec.initiator.server, a, selfPair ? 2 : 1), domain: a.domain },
      receiver: { instance: place(spec.receiver.server, b, 1), domain: b.domain },
    };
  });
  return [{ instances: [...instances.values()], cells: planned }];
}
