// Deciding a cell from the servers' logs, on lines saved from a real run of
// scenarios/letsencrypt-2026.yaml (fixtures/<cell>.<family>.log; the cell's domains
// are c<n>-a.example → c<n>-b.example): the evidence ends the wait of cells that fail,
// and at no moment of a cell that worked would it have.
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EventEmitter } from "node:events";
import { xml } from "@xmpp/client-core";
import { parseEjabberdAuthEvents } from "../servers/ejabberd.ts";
import { parseJabberd2AuthEvents } from "../servers/jabberd2.ts";
import { parseProsodyAuthEvents } from "../servers/prosody.ts";
import type { Attempt, AuthEvent, MessageResult } from "../../core/types.ts";
import { decidedBy, lostText, messageLost, unverifiedStreams } from "./evidence.ts";
import { diagnose, undecided } from "./diagnose.ts";
import { sendMessage } from "./probe.ts";
import type { XmppClient } from "./client.ts";

const DIR = new URL("./fixtures/", import.meta.url);
const PARSERS = { jabberd2: parseJabberd2AuthEvents, prosody: parseProsodyAuthEvents, ejabberd: parseEjabberdAuthEvents } as const;

/** A cell's log lines per family, and its two domains (from the lines). */
function cell(name: string) {
  const files = readdirSync(DIR).filter((f) => f.startsWith(`${name}.`));
  if (!files.length) throw new Error(`no fixture for ${name}`);
  const logs = files.map((f) => {
    const family = f.slice(name.length + 1, -".log".length) as keyof typeof PARSERS;
    if (!PARSERS[family]) throw new Error(`${f}: no parser for ${family}`);
    return { parse: PARSERS[family], lines: readFileSync(new URL(f, DIR), "utf8").split("\n").filter(Boolean) };
  });
  const n = /c(\d+)-a\.example/.exec(logs.flatMap((l) => l.lines).join("\n"))![1];
  return { logs, a: `c${n}-a.example`, b: `c${n}-b.example` };
}

/** The events of the first `k` lines of each log: what the probe reads while the lines arrive. */
const eventsUpTo = (logs: ReturnType<typeof cell>["logs"], k: number): AuthEvent[] => logs.flatMap((l) => l.parse(l.lines.slice(0, k)));

describe("messageLost: the logs decide a failing cell", () => {
  it.each([
    // Prosody's dialback check of jabberd2's key cannot connect back: before, this cell waited the whole 15 s.
    ["j-to-p13-server-only-on", /Sending error replies for 1 queued stanzas because of failed outgoing connection to c229-a\.example/],
    // ejabberd's check of the key fails, and it bounces what it has for jabberd2.
    ["j-to-e24-server-only-on", /outgoing route 'c245-a\.example\/c245-b\.example' is now invalid|Failed inbound s2s dialback|Failed to establish outbound s2s connection c245-b/],
    // jabberd2's own queue for the route gave up.
    ["j-to-j-server-only-on", /retry limit reached for 'c253-a\.example\/c253-b\.example' queue/],
    // ejabberd refuses Prosody's server-only certificate and dialback is off: Prosody bounces.
    ["p13-to-e23-server-only-off", /failed outgoing connection to c50-b\.example/],
  ])("%s", (name, line) => {
    const { logs, a, b } = cell(name);
    const e = messageLost(eventsUpTo(logs, Infinity), a, b);
    expect(e?.line).toMatch(line);
  });

  it("says which stream failed when the line is the receiver's connection back", () => {
    const { logs, a, b } = cell("j-to-p13-server-only-on");
    expect(lostText(messageLost(eventsUpTo(logs, Infinity), a, b)!, a)).toBe("the receiver's connection back to the initiator failed");
  });
});

describe("messageLost: never while a cell can still work", () => {
  it.each(["j-to-e26-dual-eku-on", "p13-to-j-dual-eku-on", "e23-to-p13-server-only-on", "j-to-j-dual-eku-on", "e24-to-p13-server-only-off"])(
    "%s: at no line of its logs",
    (name) => {
      const { logs, a, b } = cell(name);
      const longest = Math.max(...logs.map((l) => l.lines.length));
      for (let k = 0; k <= longest; k++) expect(messageLost(eventsUpTo(logs, k), a, b), `after ${k} lines`).toBeUndefined();
    },
  );

  it("jabberd2's 'disconnect, packets: N' decides nothing: a pair that federated logged it before its route was valid", () => {
    const { logs } = cell("j-to-j-dual-eku-on");
    const disconnect = logs[0].lines.find((l) => /disconnect, packets: \d+ \{fd/.test(l))!;
    expect(disconnect).toBeDefined();
    expect(parseJabberd2AuthEvents([disconnect]).filter((e) => e.final)).toEqual([]);
  });

  it("the receiver's failed connection back decides nothing once the initiator's stream was accepted (one-way)", () => {
    const { logs, a, b } = cell("e24-to-p13-server-only-off");
    const events = eventsUpTo(logs, Infinity);
    expect(events.some((e) => e.final && e.to === a)).toBe(true);
    expect(messageLost(events, a, b)).toBeUndefined();
  });
});

describe("unverifiedStreams: a working cell's auth method comes from its receivers' verdicts", () => {
  /** The initiator's and the receiver's events, by family (initiator first in the fixture's name). */
  const sides = (name: string, initiator: keyof typeof PARSERS, receiver: keyof typeof PARSERS) => {
    const { a, b } = cell(name);
    const events = (family: string) => PARSERS[family as keyof typeof PARSERS](readFileSync(new URL(`${name}.${family}.log`, DIR), "utf8").split("\n").filter(Boolean));
    return { a, b, ea: events(initiator), eb: events(receiver) };
  };
  const delivered = { status: "delivered", ms: 1 } as const;
  const answered = { status: "result", ms: 1 } as const;

  it.each([
    ["j-to-e26-dual-eku-on", "jabberd2", "ejabberd"],
    ["p13-to-j-dual-eku-on", "prosody", "jabberd2"],
  ] as const)("%s: both receivers logged their verdict", (name, initiator, receiver) => {
    const { a, b, ea, eb } = sides(name, initiator, receiver);
    expect(unverifiedStreams(ea, eb, a, b)).toEqual([]);
  });

  // Lines of a real run (npm test, 2026-12-07, two loaded cores): the message and the ping
  // passed, and ejabberd 26.07 never logged "Accepted inbound s2s EXTERNAL authentication
  // c376-a → c376-b". Prosody's "Outgoing s2s connection … complete" read as dialback, the
  // re-run (EXTERNAL) disagreed, and the cell came out flaky.
  it("p12-to-e26-dual-eku-off-verdict-lost: the stream without the receiver's verdict is unknown, and the attempt undecided", () => {
    const { a, b, ea, eb } = sides("p12-to-e26-dual-eku-off-verdict-lost", "prosody", "ejabberd");
    const missing = unverifiedStreams(ea, eb, a, b);
    expect(missing).toEqual(["c376-a.example → c376-b.example"]);
    // Without it the completed stream is taken for dialback: the guess this replaces.
    expect(diagnose([...eb, ...ea], a, b, delivered, answered).auth).toEqual({ outbound: "dialback", inbound: "external" });
    expect(diagnose([...eb, ...ea], a, b, delivered, answered, missing).auth).toEqual({ outbound: "unknown", inbound: "external" });
    const probe = { message: delivered, ping: answered, auth: { outbound: "unknown", inbound: "external" } as const, events: [], logs: [] };
    const attempt: Attempt = { outcome: "federates", domains: { initiator: a, receiver: b }, durationMs: 1, decided: "stanzas", probe, unverified: missing };
    expect(undecided(attempt)).toBe("the receiver logged no verdict on c376-a.example → c376-b.example in time: the auth method is unknown");
    expect(undecided({ ...attempt, unverified: undefined })).toBeUndefined();
  });
});

describe("decidedBy and undecided", () => {
  const delivered = { status: "delivered", ms: 1 } as const;
  it("a reply stanza, a log line (a timeout with its reason), or the timeout", () => {
    expect(decidedBy({ status: "bounced", condition: "remote-server-timeout", ms: 1 }, { status: "timeout", ms: 1 })).toBe("stanzas");
    expect(decidedBy(delivered, { status: "result", ms: 1 })).toBe("stanzas");
    expect(decidedBy({ status: "timeout", text: "retry limit reached", ms: 1 }, { status: "timeout", ms: 1 })).toBe("log");
    expect(decidedBy(delivered, { status: "timeout", text: "no reply: b logged …", ms: 1 })).toBe("log");
    expect(decidedBy({ status: "timeout", ms: 1 }, { status: "timeout", ms: 1 })).toBe("timeout");
    expect(decidedBy(delivered, { status: "timeout", ms: 1 })).toBe("timeout");
  });

  it("only a timeout leaves an attempt undecided: one a log line ended is a verdict", () => {
    const attempt = (message: MessageResult): Attempt => ({
      outcome: "fails",
      domains: { initiator: "a", receiver: "b" },
      durationMs: 1,
      probe: { message, ping: { status: "timeout", ms: 1 }, auth: { outbound: "none", inbound: "none" }, events: [], logs: [] },
    });
    expect(undecided(attempt({ status: "timeout", ms: 15_000 }))).toMatch(/neither arrived nor bounced/);
    expect(undecided(attempt({ status: "timeout", text: "retry limit reached", ms: 300 }))).toBeUndefined();
  });
});

describe("sendMessage: the evidence ends the wait", () => {
  afterEach(() => void vi.useRealTimers());

  /** A client that sends nothing anywhere: the message is never answered. */
  const silent = () => Object.assign(new EventEmitter(), { send: async () => {} }) as unknown as XmppClient;

  it("ends with the abandon hook's reason, long before its timeout", async () => {
    vi.useFakeTimers();
    let asked = 0;
    const abandon = () => (++asked >= 3 ? "the receiver's connection back to the initiator failed" : undefined);
    const result = sendMessage(silent(), silent(), "probe@b.example", 15_000, abandon);
    await vi.advanceTimersByTimeAsync(1_000);
    const settled = await Promise.race([result, Promise.resolve("still waiting")]);
    expect(settled).toMatchObject({ status: "timeout", text: "the receiver's connection back to the initiator failed" });
  });

  it("a bounce that follows the evidence line is kept, with its words", async () => {
    vi.useFakeTimers();
    let sent: { attrs: { id: string } } | undefined;
    const a = Object.assign(new EventEmitter(), { send: async (el: { attrs: { id: string } }) => void (sent = el) });
    const result = sendMessage(a as unknown as XmppClient, silent(), "probe@b.example", 15_000, () => "the initiator's connection to the receiver failed");
    await vi.advanceTimersByTimeAsync(150);
    const condition = xml("remote-server-timeout", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" });
    a.emit("stanza", xml("message", { id: sent!.attrs.id, type: "error" }, xml("error", { type: "cancel" }, condition)));
    expect(await result).toMatchObject({ status: "bounced", condition: "remote-server-timeout" });
  });

  it("without evidence, waits for the timeout and says nothing more", async () => {
    vi.useFakeTimers();
    const result = sendMessage(silent(), silent(), "probe@b.example", 15_000, () => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await Promise.race([result, Promise.resolve("still waiting")])).toBe("still waiting");
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await result).toEqual({ status: "timeout", ms: expect.any(Number) });
  });
});
