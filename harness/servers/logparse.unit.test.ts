// Log reading on lines saved from real runs (harness/servers/fixtures/*.log):
// the auth method per direction and the reason must come out of them.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseEjabberdAuthEvents } from "./ejabberd.ts";
import { parseProsodyAuthEvents, saslErrorText } from "./prosody.ts";
import { authMethod, diagnose, failureReason } from "../probe/diagnose.ts";
import { hasVerdict } from "../probe/evidence.ts";
import { replyLost } from "../probe/evidence.ts";
import type { AuthEvent } from "../../core/types.ts";

const lines = (name: string): string[] =>
  readFileSync(new URL(`./fixtures/${name}.log`, import.meta.url), "utf8").split("\n").filter(Boolean);
/** The auth events of a cell's fixture logs, one per family it has; a cell without any is a mistyped name. */
const PARSERS = { ejabberd: parseEjabberdAuthEvents, prosody: parseProsodyAuthEvents } as const;
const events = (cell: string): AuthEvent[] => {
  const files = readdirSync(new URL("./fixtures/", import.meta.url)).filter((f) => f.startsWith(`${cell}.`) && f.endsWith(".log"));
  if (!files.length) throw new Error(`no fixture log for cell ${cell} in harness/servers/fixtures/`);
  return files.sort().flatMap((f) => {
    const family = f.slice(cell.length + 1, -".log".length) as keyof typeof PARSERS;
    if (!PARSERS[family]) throw new Error(`fixture ${f}: no parser for family ${family}`);
    return PARSERS[family](lines(`${cell}.${family}`));
  });
};

describe("Prosody log lines", () => {
  test("SASL EXTERNAL accepted, both directions", () => {
    const ev = parseProsodyAuthEvents(lines("p12-to-p13-external.prosody"));
    expect(ev).toContainEqual(expect.objectContaining({ kind: "external-ok", from: "c14-a.example", to: "c14-b.example" }));
    expect(ev).toContainEqual(expect.objectContaining({ kind: "external-ok", from: "c14-b.example", to: "c14-a.example" }));
    expect(authMethod(ev, "c14-a.example", "c14-b.example")).toBe("external");
  });

  test("the initiator's record of a rejected EXTERNAL carries the receiver's reason", () => {
    const ev = parseProsodyAuthEvents(lines("p13-to-e23-fails.prosody"));
    const failed = ev.find((e) => e.kind === "external-failed");
    expect(failed).toMatchObject({ from: "c102-a.example", to: "c102-b.example", reason: "unsupported certificate purpose (not-authorized)" });
    expect(ev.some((e) => e.kind === "connection-failed" && e.to === "c102-b.example")).toBe(true);
  });

  test("SASL error condition text", () => {
    expect(saslErrorText("error<cancel:not-authorized:unsupported certificate purpose>")).toBe("unsupported certificate purpose (not-authorized)");
    expect(saslErrorText("error<cancel:not-authorized>")).toBe("not-authorized");
  });
});

describe("ejabberd log lines", () => {
  test("inbound EXTERNAL refused for the certificate purpose", () => {
    const ev = parseEjabberdAuthEvents(lines("p13-to-e23-fails.ejabberd"));
    expect(ev).toContainEqual(
      expect.objectContaining({ kind: "external-failed", from: "c102-a.example", to: "c102-b.example", reason: "unsupported certificate purpose" }),
    );
  });

  test("dialback after a failed EXTERNAL, both directions between two ejabberd", () => {
    const ev = parseEjabberdAuthEvents(lines("e24-to-e24-dialback.ejabberd"));
    expect(ev.some((e) => e.kind === "dialback-retry")).toBe(true);
    expect(authMethod(ev, "c161-a.example", "c161-b.example")).toBe("dialback");
    expect(authMethod(ev, "c161-b.example", "c161-a.example")).toBe("dialback");
  });
});

describe("diagnosis of a cell from both servers' lines", () => {
  test("fails: the receiver's words, no auth method", () => {
    const ev = events("p13-to-e23-fails");
    const d = diagnose(ev, "c102-a.example", "c102-b.example", { status: "bounced", condition: "remote-server-timeout", ms: 5 }, { status: "error", ms: 5 });
    expect(d.auth.outbound).toBe("none");
    expect(d.reason).toBe("unsupported certificate purpose");
  });

  test("rescued by dialback: outbound dialback, inbound EXTERNAL", () => {
    const ev = events("p13-to-e23-dialback");
    const d = diagnose(ev, "c101-a.example", "c101-b.example", { status: "delivered", ms: 5 }, { status: "result", ms: 5 });
    expect(d.auth).toEqual({ outbound: "dialback", inbound: "external" });
    expect(d.reason).toBeUndefined();
  });

  test("one-way federation: delivered, the reply path names why", () => {
    const ev = events("e23-to-p12-oneway");
    const d = diagnose(ev, "c114-a.example", "c114-b.example", { status: "delivered", ms: 5 }, { status: "timeout", ms: 10_000 });
    expect(d.auth).toEqual({ outbound: "external", inbound: "none" });
    expect(d.reason).toMatch(/^one-way: .*unsupported certificate purpose/);
    expect(failureReason(ev, "c114-b.example", "c114-a.example")).toBe("unsupported certificate purpose");
  });

  test("delivered without any auth line is 'unknown', never a guess", () => {
    const d = diagnose([], "x-a.example", "x-b.example", { status: "delivered", ms: 1 }, { status: "result", ms: 1 });
    expect(d.auth.outbound).toBe("unknown");
  });
});

describe("when a cell's servers have said enough", () => {
  const of = (cell: string, fam: "prosody" | "ejabberd") => (fam === "prosody" ? parseProsodyAuthEvents : parseEjabberdAuthEvents)(lines(`${cell}.${fam}`));

  test("a receiver's verdict on a stream: both directions of a rescued pair, none on a refused one", () => {
    expect(hasVerdict(of("p13-to-e23-dialback", "ejabberd"), "c101-a.example", "c101-b.example")).toBe(true);
    expect(hasVerdict(of("p13-to-e23-dialback", "prosody"), "c101-b.example", "c101-a.example")).toBe(true);
    expect(hasVerdict(of("p13-to-e23-fails", "ejabberd"), "c102-a.example", "c102-b.example")).toBe(false);
    expect(hasVerdict(of("e23-to-p12-oneway", "ejabberd"), "c114-b.example", "c114-a.example")).toBe(false);
  });

  test("the reply path failed for good: Prosody flushed its queue with errors", () => {
    const ev = of("e23-to-p12-oneway", "prosody");
    expect(replyLost(ev, "c114-a.example", "c114-b.example")).toBeTruthy();
    expect(replyLost(ev, "c114-b.example", "c114-a.example")).toBeUndefined();
    expect(replyLost(of("p13-to-e23-dialback", "prosody"), "c101-a.example", "c101-b.example")).toBeUndefined();
  });

  test("the reply path failed for good: ejabberd bounces what it has for the initiator", () => {
    const ev = parseEjabberdAuthEvents([
      "2026-12-01 19:04:31.346158+00:00 [warning] Failed to establish outbound s2s connection c166-b.example -> c166-a.example: authentication failed; bouncing for 68 seconds",
    ]);
    expect(replyLost(ev, "c166-a.example", "c166-b.example")).toBeTruthy();
    expect(replyLost(ev, "c16-a.example", "c16-b.example")).toBeUndefined();
  });
});
