// On a log saved from a real run: ejabberd 24.12 whose s2s manager (ejabberd_s2s) was
// suspended for 9 s with sys:suspend, so that its router's new-connection calls timed
// out and it dropped the stanzas that asked for them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ejabberdDroppedStanzas, ejabberdRecords } from "./ejabberd-dropped.ts";

const LOG = readFileSync(new URL("./fixtures/e24-dropped-stanzas.ejabberd.log", import.meta.url), "utf8").split("\n").filter(Boolean);

describe("ejabberdRecords", () => {
  it("joins a record's continuation lines to its dated first line; a single-line record stays as it is", () => {
    const records = ejabberdRecords(LOG);
    expect(records).toHaveLength(LOG.filter((l) => /^\d{4}-/.test(l)).length);
    expect(records[0]).toBe(LOG[0]);
    const dropped = records.find((r) => r.includes("Failed to route packet"))!;
    expect(dropped).toMatch(/^2026-12-07 00:52:17\.843136\+00:00 \[error\] Failed to route packet: #message\{id = <<"s2s-matrix-be1187b6927c">>/);
    expect(dropped).toContain("in call from ejabberd_s2s:open_several_connections/8");
  });

  it("a log slice that starts inside a record keeps its first lines as they are", () => {
    const cut = LOG.slice(LOG.findIndex((l) => l.startsWith("** exception exit")));
    expect(ejabberdRecords(cut)[0]).toMatch(/^\*\* exception exit: \{timeout, \{gen_server,call,/);
  });

  it("ANSI colours (ejabberd 26's console) do not hide a record's date", () => {
    expect(ejabberdRecords([`\x1b[32m${LOG[0]}\x1b[0m`, "   continued"])).toEqual([`${LOG[0]} continued`]);
  });
});

describe("ejabberdDroppedStanzas", () => {
  it("each dropped stanza with the connection that was being opened, and ejabberd's cause", () => {
    const dropped = ejabberdDroppedStanzas(LOG);
    expect(dropped.map((d) => [d.stanza, d.from, d.to])).toEqual([
      ["message", "c186-a.example", "c186-b.example"],
      ["iq", "c87-b.example", "c87-a.example"],
      ["iq", "c55-b.example", "c55-a.example"],
    ]);
    expect(dropped[0].reason).toBe("ejabberd dropped a message to c186-b.example: its s2s manager did not answer within 5 s (an overloaded server)");
    expect(dropped[0].line).toMatch(/^2026-12-07 00:52:17\.843136\+00:00 \[error\] Failed to route packet: #message/);
    expect(dropped[0].line.length).toBeLessThanOrEqual(400);
  });

  it("nothing in a log without such a record, nor in one cut before its exception", () => {
    expect(ejabberdDroppedStanzas(LOG.filter((l) => !l.includes("Failed to route packet")).slice(0, 3))).toEqual([]);
    expect(ejabberdDroppedStanzas(LOG.slice(0, LOG.findIndex((l) => l.startsWith("** exception exit"))))).toEqual([]);
  });
});
