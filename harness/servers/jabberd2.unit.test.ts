// jabberd2's s2s lines, saved from real runs (fixtures/jabberd2/<cell>.<family>.log):
// dialback verdicts by route, the receiver's stream error on an outgoing connection,
// and the rendered configuration the image's start script reads.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { authMethod, diagnose } from "../probe/diagnose.ts";
import type { AuthEvent, MessageResult, PingResult } from "../../core/types.ts";
import { parseEjabberdAuthEvents } from "./ejabberd.ts";
import { jabberd2, parseJabberd2AuthEvents, renderJabberd2 } from "./jabberd2.ts";
import { parseProsodyAuthEvents } from "./prosody.ts";
import type { InstanceConfig } from "./adapter.ts";

const DIR = new URL("./fixtures/jabberd2/", import.meta.url);
const FILES = readdirSync(DIR);
const PARSERS = { jabberd2: parseJabberd2AuthEvents, prosody: parseProsodyAuthEvents, ejabberd: parseEjabberdAuthEvents } as const;

const lines = (file: string): string[] => readFileSync(new URL(file, DIR), "utf8").split("\n").filter(Boolean);
/** The cell's events as the run orders them: the receiver's first (`<initiator>-to-<receiver>-…`). */
function events(cell: string): AuthEvent[] {
  const receiver = ({ j: "jabberd2", p13: "prosody", e26: "ejabberd", e23: "ejabberd" } as const)[cell.split("-")[2] as "j"];
  return (Object.keys(PARSERS) as (keyof typeof PARSERS)[])
    .filter((fam) => FILES.includes(`${cell}.${fam}.log`))
    .sort((a, b) => Number(b === receiver) - Number(a === receiver))
    .flatMap((fam) => PARSERS[fam](lines(`${cell}.${fam}.log`)));
}

const OK: [MessageResult, PingResult] = [{ status: "delivered", ms: 1 }, { status: "result", ms: 1 }];
const FAILS: [MessageResult, PingResult] = [{ status: "bounced", condition: "remote-server-timeout", ms: 1 }, { status: "error", ms: 1 }];

describe("jabberd2 s2s log lines", () => {
  test("initiator: its outgoing route valid is dialback A → B; the reply's incoming route valid is dialback B → A", () => {
    const ev = parseJabberd2AuthEvents(lines("j-to-p13-dialback.jabberd2.log"));
    expect(ev).toContainEqual(expect.objectContaining({ kind: "dialback-ok", from: "c2-a.example", to: "c2-b.example" }));
    expect(ev).toContainEqual(expect.objectContaining({ kind: "dialback-ok", from: "c2-b.example", to: "c2-a.example" }));
    const d = diagnose(events("j-to-p13-dialback"), "c2-a.example", "c2-b.example", ...OK);
    expect(d.auth).toEqual({ outbound: "dialback", inbound: "dialback" });
  });

  test("receiver: its incoming route 'local/remote' valid is dialback remote → local", () => {
    const ev = parseJabberd2AuthEvents(lines("e26-to-j-dialback.jabberd2.log"));
    const ok = ev.filter((e) => e.kind === "dialback-ok");
    expect(ok.length).toBeGreaterThan(0);
    expect(authMethod(ev, "c6-a.example", "c6-b.example")).toBe("dialback");
  });

  test("a receiver without dialback closes jabberd2's stream: its stream error is the reason", () => {
    const ev = parseJabberd2AuthEvents(lines("j-to-p13-off.jabberd2.log"));
    expect(ev).toContainEqual(expect.objectContaining({ kind: "connection-failed", to: "c36-b.example", reason: "stream error from the receiver: unsupported-stanza-type" }));
    expect(diagnose(events("j-to-p13-off"), "c36-a.example", "c36-b.example", ...FAILS).reason).toBe("stream error from the receiver: unsupported-stanza-type");
  });

  test("server-only, jabberd2 initiating: ejabberd's dialback check back to jabberd2 is refused, jabberd2 logs its route invalid", () => {
    const ev = parseJabberd2AuthEvents(lines("j-to-e26-server-only.jabberd2.log"));
    expect(ev).toEqual([expect.objectContaining({ kind: "dialback-failed", from: "c53-a.example", to: "c53-b.example" })]);
    const d = diagnose(events("j-to-e26-server-only"), "c53-a.example", "c53-b.example", ...FAILS);
    expect(d.reason).toMatch(/^Verification failed: Connection failed: connection closed/);
  });

  test("server-only, jabberd2 receiving: its TLS refusal names no domain, so the reason is the initiator's", () => {
    expect(parseJabberd2AuthEvents(lines("p13-to-j-server-only.jabberd2.log"))).toEqual([]);
    const bounce: MessageResult = { status: "bounced", condition: "remote-server-timeout", text: "Server-to-server connection failed: Error during negotiation of encrypted connection: closed", ms: 1 };
    expect(diagnose(events("p13-to-j-server-only"), "c13-a.example", "c13-b.example", bounce, FAILS[1]).reason).toBe(
      "remote-server-timeout: Server-to-server connection failed: Error during negotiation of encrypted connection: closed",
    );
  });

  test("ejabberd without dialback: not-authorized, in both servers' words", () => {
    const d = diagnose(events("j-to-e26-off"), "c12-a.example", "c12-b.example", ...FAILS);
    expect(d.reason).toBe("Stream closed by local host: not-authorized");
    expect(parseJabberd2AuthEvents(lines("j-to-e26-off.jabberd2.log"))).toContainEqual(
      expect.objectContaining({ kind: "connection-failed", to: "c12-b.example", reason: "stream error from the receiver: not-authorized" }),
    );
  });

  test("an initiator that wants SASL EXTERNAL finds no mechanism offered (ejabberd's words)", () => {
    const d = diagnose(events("e23-to-j-off"), "c40-a.example", "c40-b.example", ...FAILS);
    expect(d.reason).toMatch(/Peer provided no SASL mechanisms/);
  });

  test("lines of other processes and untagged TLS failures yield nothing", () => {
    expect(parseJabberd2AuthEvents([
      "sm: Wed Dec  2 15:27:23 2026 [notice] session started: jid=probe@c12-a.example/probe",
      "s2s: Wed Dec  2 15:24:33 2026 [notice] [7] [192.168.48.4, port=48173] disconnect, packets: 0",
    ])).toEqual([]);
  });
});

describe("jabberd2 configuration", () => {
  const config: InstanceConfig = {
    vhosts: ["c1-a.example", "c2-b.example"].map((domain) => ({ domain, certificate: "server-only", dialback: "off", tls: { cert: "C", key: "K", fullchain: "F" } })),
    users: [{ username: "probe", password: "it's" }],
    trustedCa: "CA",
    secureAuth: true,
  };
  const files = Object.fromEntries(renderJabberd2(config).files.map((f) => [f.path, String(f.content)]));

  test("s2s: one TLS context per host verifying the peer (verify-mode 7), TLS required as a number (<require_tls/> would read as 0)", () => {
    const s2s = files["/etc/jabberd2/s2s.xml"];
    expect(s2s).toContain("<id pemfile='/etc/jabberd2/certs/c1-a.example.pem' cachain='/etc/jabberd2/certs/ca.crt' verify-mode='7'>c1-a.example</id>");
    expect(s2s).toContain("<require_tls>1</require_tls>");
    expect(files["/etc/jabberd2/certs/c2-b.example.pem"]).toBe("FK");
  });

  test("c2s: each host names the run's CA as its cachain, so that sx/ssl.c does not parse the system CA bundle once per host", () => {
    expect(files["/etc/jabberd2/c2s.xml"]).toContain("<id pemfile='/etc/jabberd2/certs/c1-a.example.pem' cachain='/etc/jabberd2/certs/ca.crt'>c1-a.example</id>");
  });

  test("s2s: a refused route's queue bounces after 1–2 s, no bad-host cache (receivers share one address)", () => {
    const s2s = files["/etc/jabberd2/s2s.xml"];
    expect(s2s).toMatch(/<check>.*<retry>1<\/retry>/);
    expect(s2s).toContain("<bad-host-timeout>0</bad-host-timeout>");
  });

  test("accounts: authreg and active rows per host, quotes escaped", () => {
    expect(files["/etc/jabberd2/accounts.sql"]).toContain(`VALUES ('probe', 'c2-b.example', 'it''s');`);
    expect(files["/etc/jabberd2/accounts.sql"]).toContain(`("collection-owner", "time") VALUES ('probe@c1-a.example'`);
  });

  test("a cell's dialback off is shown as not applicable: jabberd2 has no other s2s authentication", () => {
    const r = jabberd2.render({ family: "jabberd2", version: "2.7.0", source: { kind: "debian", suite: "trixie", package: "jabberd2", packageVersion: "2.7.0" } }, config);
    expect(r.hostSettings?.["c1-a.example"].dialback).toMatch(/^on .*off cannot apply/);
  });
});
