// The operator's own openfire.xml as the base of a test instance's openfire.xml.
//
// Openfire keeps most settings in its database; openfire.xml holds the boot
// settings and any XML properties, which autosetup copies into the test
// instance's database. Their elements are laid over the harness's file: a
// property they set wins (their s2s policy: xmpp.server.tls.policy,
// xmpp.server.cert.policy, ...), except where the harness must decide, each
// with a notice: the database (the embedded one: theirs is not part of the
// test), setup state and autosetup (the test instance sets itself up), the XMPP
// domain (the test's host), network interfaces, key and trust store paths, the
// probe's c2s TLS policy, and xmpp.server.dialback.enabled, which is the cell's variable.
import { parse, type Element } from "ltx";
import { leaves, overlayXml, parseTheirXml } from "./xml-overlay.ts";

/** Dotted paths the harness decides; theirs are dropped. Value: why, for the notice. */
const OWNED: Record<string, string> = {
  setup: "the test instance sets itself up (autosetup)",
  autosetup: "the test instance sets itself up",
  connectionProvider: "your database is not part of the test (the embedded one)",
  database: "your database is not part of the test (the embedded one)",
  "xmpp.domain": "the test runs its own XMPP domain",
  "xmpp.fqdn": "the test runs its own XMPP domain",
  network: "the container listens on all its interfaces",
  "xmpp.socket.ssl": "the test's key and trust stores",
  "xmpp.server.dialback.enabled": "dialback is the cell's setting (scenario)",
  "xmpp.client.tls.policy": "the probe's c2s login goes inside TLS (openfire-config.ts)",
};

/** Their s2s policy properties shown per cell, besides those the harness sets. */
const POLICY_PREFIX = "xmpp.server.";

export interface OpenfireMerge {
  xml: string;
  /** Leaf properties of theirs that are in force: dotted name → value. */
  theirs: Record<string, string>;
  /** Their xmpp.server.dialback.enabled, which the cell overrides. */
  dialback?: string;
  notices: string[];
}

/** Lays their openfire.xml over the harness's (both `<jive>` documents). */
export function mergeOpenfireBase(file: string, text: string, ours: string): OpenfireMerge {
  const root = parseTheirXml(file, text, "jive", "conf/openfire.xml");
  const base = parse(ours) as Element;
  const { theirs, notices } = overlayXml(base, root, OWNED, file);
  const dialback = leaves(root)["jive.xmpp.server.dialback.enabled"];
  return { dialback, xml: `<?xml version="1.0" encoding="UTF-8"?>\n${base.toString()}\n`, theirs, notices };
}

/** The s2s settings in force from the merged file: theirs where they set them. */
export function openfireSettings(merged: string, theirs: Record<string, string>): Record<string, string> {
  const all = leaves(parse(merged) as Element);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    const name = k.replace(/^jive\./, "");
    if (!name.startsWith(POLICY_PREFIX) || name === "xmpp.server.dialback.enabled") continue;
    out[name] = `${v} (${name in theirs ? "your config" : "s2s-matrix"})`;
  }
  return out;
}

