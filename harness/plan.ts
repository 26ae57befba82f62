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
// server-wide split a version into one container per distinct setting. A
// server that holds only a few virtual hosts (Openfire: one) gets as many
// containers as it needs: with one host each, `openfire@4.9.2#c17-a` serves
// just the initiator side of cell 17. A server whose self-pair verdict depends on
// what else its process does (`quietSelfPair`: jabberd2, whose stale OpenSSL error
// another connection's handshake clears) runs its self-pair cells on two quiet
// containers of their own (`#quiet-a`, `#quiet-b`), one cell at a time (their
// `queue`): each cell then meets servers that nothing else is talking to, as in the
// isolated mode, for the price of two containers instead of two per cell.
//
// Isolated mode (`--isolation container`): two fresh containers per cell, the
// reference the shared mode must agree with.
import { findEntry, adapterFor } from "./servers/catalog.ts";
import { PROFILES } from "../ca/profiles.ts";
import type { CellSpec, Dialback, ProfileName } from "../core/types.ts";

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
  /** Cells of one queue run one after another, in plan order (a quiet self-pair's). */
  queue?: string;
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
  /** Key of settings the server can only set globally, for a host on this server; undefined = all per host. Default: the adapter's serverWideKey. */
  serverWideKey?: (server: string, host: PlannedHost) => string | undefined;
  /** Most virtual hosts one instance of the server holds; undefined = no limit. Default: the adapter's maxVirtualHosts. */
  maxVirtualHosts?: (server: string) => number | undefined;
  /** The server's self-pair cells need two containers of their own, one cell at a time. Default: the adapter's quietSelfPair. */
  quietSelfPair?: (server: string) => boolean;
}

/** The adapter's limit for a catalog server (`family@version`); undefined when it has none or the server is unknown. */
export function catalogMaxVirtualHosts(server: string): number | undefined {
  const entry = findEntry(server);
  return entry ? adapterFor(entry.family).maxVirtualHosts : undefined;
}

/** The adapter's server-wide key for a host of a catalog server; undefined when everything is per host. */
export function catalogServerWideKey(server: string, host: PlannedHost): string | undefined {
  const entry = findEntry(server);
  return entry ? adapterFor(entry.family).serverWideKey?.(host) : undefined;
}

/** The adapter's quietSelfPair for a catalog server; false when unknown. */
export function catalogQuietSelfPair(server: string): boolean {
  const entry = findEntry(server);
  return entry ? adapterFor(entry.family).quietSelfPair === true : false;
}

/** Cells numbered from 1 in the given order; the number names their domains. */
export function plan(cells: { spec: CellSpec; n: number }[], opts: PlanOptions): Stage[] {
  const prefix = opts.prefix ?? "c";
  const tld = opts.tld ?? "example";
  const hostFor = (n: number, side: "a" | "b", spec: CellSpec): PlannedHost => {
    const s = side === "a" ? spec.initiator : spec.receiver;
    // A wildcard certificate (*.c17.example) covers a host one label below the cell's name.
    const domain = PROFILES[s.certificate].names === "wildcard" ? `${side}.${prefix}${n}.${tld}` : `${prefix}${n}-${side}.${tld}`;
    return { domain, certificate: s.certificate, dialback: s.dialback };
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
  const maxHosts = opts.maxVirtualHosts ?? catalogMaxVirtualHosts;
  /** Hosts placed so far per group (server, server-wide key, copy), for servers with a limit. */
  const placed = new Map<string, number>();
  const quiet = opts.quietSelfPair ?? catalogQuietSelfPair;
  const place = (server: string, host: PlannedHost, copy: 1 | 2, quietSide?: "a" | "b"): string => {
    const max = maxHosts(server);
    let key: string;
    if (quietSide) {
      key = `${server}#quiet-${quietSide}`;
    } else if (max === 1) {
      // One host per instance: the instance is named after its host (c17-a), and a
      // self-pair's two sides are separate instances anyway.
      key = `${server}#${host.domain.slice(0, host.domain.length - tld.length - 1)}`;
    } else {
      const wide = (opts.serverWideKey ?? catalogServerWideKey)(server, host);
      key = `${server}${wide ? `[${wide}]` : ""}#${copy}`;
      if (max !== undefined && max > 1) {
        // Fill `#1` up to the limit, then `#1.2`, `#1.3`, …
        const n = placed.get(key) ?? 0;
        placed.set(key, n + 1);
        const chunk = Math.floor(n / max);
        if (chunk > 0) key = `${key}.${chunk + 1}`;
      }
    }
    let inst = instances.get(key);
    if (!inst) instances.set(key, (inst = { key, server, hosts: [] }));
    inst.hosts.push(host);
    return key;
  };
  const planned: PlannedCell[] = cells.map(({ spec, n }) => {
    const a = hostFor(n, "a", spec);
    const b = hostFor(n, "b", spec);
    const selfPair = spec.initiator.server === spec.receiver.server;
    const alone = selfPair && quiet(spec.initiator.server);
    return {
      spec,
      initiator: { instance: place(spec.initiator.server, a, selfPair ? 2 : 1, alone ? "a" : undefined), domain: a.domain },
      receiver: { instance: place(spec.receiver.server, b, 1, alone ? "b" : undefined), domain: b.domain },
      ...(alone ? { queue: `${spec.initiator.server}#quiet` } : {}),
    };
  });
  return [{ instances: [...instances.values()], cells: planned }];
}
