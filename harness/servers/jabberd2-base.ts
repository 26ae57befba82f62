// The operator's own s2s.xml as the base of a jabberd2 test instance's s2s.xml.
//
// jabberd2's federation policy is all in s2s.xml (router.xml, sm.xml and c2s.xml
// decide nothing about s2s), so a jabberd2 server's `config:` is that file. It is
// laid over the harness's s2s.xml (xml-overlay.ts): their <security>, <io>,
// <check> and <lookup> are in force, and what they do not set
// is jabberd2's own default (require_tls 0, verify-mode 0), as on their server.
// The harness decides, each with a notice: the component's id, pidfile, router
// link and log (the test instance's own processes), <local> (the test's hosts,
// each with its test certificate, s2s on 5269, a fresh dialback secret),
// check/retry, lookup/bad-host-timeout and out-conn-reuse (cells share
// addresses; jabberd2.ts says more), the whitelist
// (it names their peers) and stats (a file on their machine). Their TLS check,
// verify-mode and ciphers on their <id> elements or in <local>, is carried to
// every test host's <id>.
import { parse, type Element } from "ltx";
import { overlayXml, parseTheirXml } from "./xml-overlay.ts";

/** Paths below <s2s> the harness decides; theirs are dropped. Value: why, for the notice. */
const OWNED: Record<string, string> = {
  id: "the test instance's router knows its s2s as s2s",
  pidfile: "the test instance's own processes",
  router: "the test instance's own router and secret",
  log: "the harness reads s2s's lines on standard output",
  local: "the test's hosts with their test certificates, s2s on 5269, a fresh dialback secret (your verify-mode and ciphers are kept, on every test host)",
  "check.retry": "a refused handshake is retried at once until the queue is this old; the harness keeps it short (harness/servers/jabberd2.ts)",
  "lookup.bad-host-timeout": "0: the test's receivers share one address, and one failed cell must not mark it bad for the others",
  "out-conn-reuse": "the test's receivers share one address: one cell's connection, with its certificates, would carry another cell's traffic",
  "security.enable_whitelist": "your whitelist names your peers; the test's peers are its own hosts",
  "security.whitelist_domain": "your whitelist names your peers; the test's peers are its own hosts",
  stats: "a file on your machine",
};

/** OpenSSL settings of theirs that each test host's <id> takes: <id> attributes, also read as <local> elements. */
const TLS_ATTRS = ["verify-mode", "ciphers"] as const;

/** jabberd2's j_atoi: the leading integer, 0 when there is none (so `<require_tls/>` is 0). */
export const jAtoi = (s: string | undefined): number => Number(/^\s*[+-]?\d+/.exec(s ?? "")?.[0] ?? 0);

export interface Jabberd2Merge {
  xml: string;
  /** The s2s policy in force, worded for the report. */
  settings: Record<string, string>;
  notices: string[];
}

/** Their TLS attributes: from their first <id> (a host's own context), else from <local> (the shared one). */
function theirTls(file: string, root: Element): { attrs: Record<string, string>; notices: string[] } {
  const local = root.getChild("local");
  const ids = local?.getChildren("id") ?? [];
  const attrs: Record<string, string> = {};
  const notices: string[] = [];
  for (const attr of TLS_ATTRS) {
    const fromId = ids.find((id) => id.attrs[attr] !== undefined)?.attrs[attr] as string | undefined;
    const value = fromId ?? local?.getChildText(attr) ?? undefined;
    if (value !== undefined) attrs[attr] = value.trim();
    const distinct = new Set(ids.map((id) => id.attrs[attr] as string | undefined).filter((v) => v !== undefined));
    if (distinct.size > 1) notices.push(`${file}: your <id> elements set ${attr} ${[...distinct].join(" and ")}; every test host takes ${attrs[attr]}`);
  }
  return { attrs, notices };
}

/** Lays their s2s.xml over `ours`, the harness's s2s.xml rendered without a policy of its own. */
export function mergeJabberd2Base(file: string, text: string, ours: string): Jabberd2Merge {
  const root = parseTheirXml(file, text, "s2s", "/etc/jabberd2/s2s.xml");
  const mine = parse(ours) as Element;
  const tls = theirTls(file, root);
  const overlay = overlayXml(mine, root, OWNED, file);
  for (const id of mine.getChild("local")?.getChildren("id") ?? []) Object.assign(id.attrs, tls.attrs);

  const requireTls = mine.getChild("security")?.getChild("require_tls");
  const verifyMode = tls.attrs["verify-mode"];
  const settings: Record<string, string> = {
    require_tls: requireTls ? `${jAtoi(requireTls.getText())} (your config${readsAs(requireTls.toString(), requireTls.getText())})` : "0 (jabberd2 default)",
    "verify-mode": verifyMode !== undefined ? `${jAtoi(verifyMode)} (your config)` : "0 (jabberd2 default: no check)",
  };
  if (tls.attrs.ciphers !== undefined) settings.ciphers = `${tls.attrs.ciphers} (your config)`;
  return { xml: `${mine.toString()}\n`, settings, notices: [...tls.notices, ...overlay.notices] };
}

/** ": <require_tls/> reads as 0" where jabberd2's number differs from what is written. */
const readsAs = (element: string, text: string): string => (String(jAtoi(text)) === text.trim() ? "" : `: ${element} reads as ${jAtoi(text)}`);
