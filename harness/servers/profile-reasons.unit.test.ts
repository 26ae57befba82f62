// Every certificate profile that makes a pair fail, per judging server family: the
// cell's reason must be that server's own words, read from lines saved from real
// runs (fixtures/profiles/<initiator>-to-<receiver>-<initiator's profile>-<receiver's profile>-off.<family>.log,
// dialback off; scenarios/certificate-profiles.yaml has the matrix they come from).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { diagnose } from "../probe/diagnose.ts";
import type { AuthEvent, MessageResult, PingResult } from "../../core/types.ts";
import { parseEjabberdAuthEvents } from "./ejabberd.ts";
import { parseProsodyAuthEvents } from "./prosody.ts";

const DIR = new URL("./fixtures/profiles/", import.meta.url);
const FILES = readdirSync(DIR);

function events(cell: string): AuthEvent[] {
  const parsers = { prosody: parseProsodyAuthEvents, ejabberd: parseEjabberdAuthEvents } as const;
  return (Object.keys(parsers) as (keyof typeof parsers)[])
    .filter((fam) => FILES.includes(`${cell}.${fam}.log`))
    .flatMap((fam) => parsers[fam](readFileSync(new URL(`${cell}.${fam}.log`, DIR), "utf8").split("\n").filter(Boolean)));
}

const FAILS: [MessageResult, PingResult] = [{ status: "bounced", condition: "remote-server-timeout", ms: 1 }, { status: "error", ms: 1 }];
const ONE_WAY: [MessageResult, PingResult] = [{ status: "delivered", ms: 1 }, { status: "timeout", ms: 1 }];

// [fixture, cell number (domains cN-a / cN-b), outcome, who judges, the reason it gives]
const CASES: [string, number, "fails" | "one-way", string, string][] = [
  // The initiator's certificate, judged by the receiver.
  ["e26-to-e23-server-only-dual-eku-off", 166, "fails", "ejabberd 23.01", "unsupported certificate purpose"],
  ["e26-to-p13-client-only-dual-eku-off", 154, "fails", "Prosody 13", "certificate is not trusted"],
  ["p13-to-e26-client-only-dual-eku-off", 79, "fails", "ejabberd 26.07", "unsupported certificate purpose"],
  // ejabberd 23.01 takes a client-only certificate from a connecting server, then refuses it as the initiator's server certificate on the way back.
  ["p13-to-e23-client-only-dual-eku-off", 64, "one-way", "ejabberd 23.01", "one-way: replies refused: unsupported certificate purpose"],
  ["p13-to-p12-expired-dual-eku-off", 50, "fails", "Prosody 0.12", "certificate has expired"],
  ["p13-to-e23-expired-dual-eku-off", 65, "fails", "ejabberd 23.01", "certificate has expired"],
  ["e23-to-p13-wrong-name-dual-eku-off", 111, "fails", "Prosody 13", "certificate is not valid for this name"],
  ["p13-to-e23-wrong-name-dual-eku-off", 66, "fails", "ejabberd 23.01", "Certificate host name mismatch"],
  // ejabberd holding a certificate whose names miss the host presented a self-signed one instead in this
  // run (90 hosts per server); with one host it presents the wrong-name one (see certificate-profiles.yaml).
  ["e26-to-p13-wrong-name-dual-eku-off", 156, "fails", "Prosody 13", "certificate is self-signed"],
  ["e26-to-p13-untrusted-dual-eku-off", 157, "fails", "Prosody 13", "certificate is not trusted"],
  ["p12-to-e26-untrusted-dual-eku-off", 37, "fails", "ejabberd 26.07", "unable to verify the first certificate"],
  ["p12-to-p13-self-signed-dual-eku-off", 8, "fails", "Prosody 13", "certificate is self-signed"],
  ["p13-to-p12-self-signed-dual-eku-off", 53, "fails", "Prosody 0.12", "certificate is not trusted"],
  ["p13-to-e26-self-signed-dual-eku-off", 83, "fails", "ejabberd 26.07", "self signed certificate"],
  // The receiver's server certificate, judged by the initiator (its outgoing connection's lines).
  ["e23-to-e26-dual-eku-server-only-off", 129, "one-way", "ejabberd 23.01", "one-way: replies refused: unsupported certificate purpose"],
  ["p13-to-e26-dual-eku-client-only-off", 86, "fails", "Prosody 13", "certificate is not trusted"],
  ["e26-to-p13-dual-eku-client-only-off", 161, "fails", "ejabberd 26.07", "unsupported certificate purpose"],
  ["p12-to-p13-dual-eku-expired-off", 12, "fails", "Prosody 0.12", "certificate has expired"],
  ["e23-to-e26-dual-eku-expired-off", 132, "fails", "ejabberd 23.01", "certificate has expired"],
  ["p13-to-e23-dual-eku-wrong-name-off", 73, "fails", "Prosody 13", "certificate is not valid for this name"],
  ["e26-to-e23-dual-eku-wrong-name-off", 178, "fails", "ejabberd 26.07", "Certificate host name mismatch"],
  ["p13-to-p12-dual-eku-untrusted-off", 59, "fails", "Prosody 13", "certificate is not trusted"],
  ["e23-to-p13-dual-eku-untrusted-off", 119, "fails", "ejabberd 23.01", "unable to verify the first certificate"],
  ["p13-to-e23-dual-eku-self-signed-off", 75, "fails", "Prosody 13", "certificate is self-signed"],
  ["p12-to-p13-dual-eku-self-signed-off", 15, "fails", "Prosody 0.12", "certificate is not trusted"],
  ["e26-to-p12-dual-eku-self-signed-off", 150, "fails", "ejabberd 26.07", "self signed certificate"],
];

describe("the judging server's words for each failing certificate profile", () => {
  test("every saved fixture has a case", () => {
    const cells = new Set(FILES.map((f) => f.replace(/\.(prosody|ejabberd)\.log$/, "")));
    expect([...cells].sort()).toEqual(CASES.map((c) => c[0]).sort());
  });

  test.each(CASES)("%s (c%i): %s, %s says %s", (cell, n, outcome, _judge, reason) => {
    const [message, ping] = outcome === "fails" ? FAILS : ONE_WAY;
    const d = diagnose(events(cell), `c${n}-a.example`, `c${n}-b.example`, message, ping);
    expect(d.reason).toBe(reason);
  });
});
