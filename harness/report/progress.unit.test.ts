import { describe, expect, it } from "vitest";
import { CELLS } from "./fixtures.ts";
import { createProgress } from "./progress.ts";

function recorder(tty: boolean, columns?: number) {
  const chunks: string[] = [];
  let t = 1_000;
  const clock = { advance: (ms: number) => (t += ms) };
  const progress = createProgress({ total: 100, tty, write: (c) => chunks.push(c), now: () => t, tickMs: 0, columns });
  return { chunks, progress, clock };
}

describe("progress, non-TTY (CI logs)", () => {
  it("writes exactly one line per finished cell and nothing on start", () => {
    const { chunks, progress } = recorder(false);
    progress.start(CELLS.external.spec.id);
    expect(chunks).toEqual([]);
    for (let i = 0; i < 11; i++) progress.done(CELLS.dialback);
    progress.done({ ...CELLS.external, spec: { ...CELLS.external.spec, id: "prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]" }, auth: { outbound: "dialback", inbound: "dialback" } });
    progress.finish();
    expect(chunks).toHaveLength(12);
    expect(chunks.every((c) => c.endsWith("\n") && c.indexOf("\n") === c.length - 1 && !c.includes("\r"))).toBe(true);
    expect(chunks[11]).toBe("[12/100] ✅ prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off] federates (dialback) 0.8s\n");
  });

  it("names the reason for failures and marks unexpected cells", () => {
    const { chunks, progress } = recorder(false);
    progress.done(CELLS.failsLong);
    progress.done(CELLS.unexpected);
    progress.done(CELLS.error);
    expect(chunks[0]).toMatch(/^\[1\/100\] ❌ ejabberd@23\.01 → prosody@0\.12\.3 \[server-only, dialback off\] fails \(TLS alert \| handshake .*…\) 0\.8s\n$/);
    expect(chunks[1]).toBe(`[2/100] ✅ ${CELLS.unexpected.spec.id} federates (dialback) 0.8s ❗expected fails\n`);
    expect(chunks[2]).toBe(`[3/100] ⚠️ ${CELLS.error.spec.id} error (container ejabberd-23.01 exited with code 137) 0.8s ❗expected federates\n`);
    progress.done(CELLS.oneWay);
    expect(chunks[3]).toBe(`[4/100] ↦ ${CELLS.oneWay.spec.id} one-way (external; replies refused: unsupported certificate purpose) 0.8s\n`);
  });
});

describe("progress, TTY", () => {
  it("rewrites a single line with done/total, elapsed and the current pair", () => {
    const { chunks, progress, clock } = recorder(true, 200);
    progress.start(CELLS.external.spec.id);
    clock.advance(2_500);
    progress.start(CELLS.dialback.spec.id);
    progress.done(CELLS.external);
    clock.advance(1_000);
    progress.done(CELLS.unexpected);
    progress.finish();
    const lines = chunks.slice(0, -1);
    expect(lines.every((c) => c.startsWith("\r\x1b[2K") && !c.includes("\n"))).toBe(true);
    expect(lines[0]).toBe(`\r\x1b[2K[0/100] 0s ${CELLS.external.spec.id}`);
    expect(lines[1]).toBe(`\r\x1b[2K[0/100] 2.5s ${CELLS.dialback.spec.id} (+1 running)`);
    expect(lines[2]).toBe(`\r\x1b[2K[1/100] 2.5s ${CELLS.dialback.spec.id}`);
    expect(lines[3]).toBe(`\r\x1b[2K[2/100] 3.5s ❗1 unexpected ${CELLS.dialback.spec.id}`);
    expect(chunks.at(-1)).toBe("\r\x1b[2K[2/100] cells done in 3.5s, 1 unexpected\n");
  });

  it("cuts the line to the terminal width so \\r can rewrite it", () => {
    const { chunks, progress } = recorder(true, 40);
    progress.start(CELLS.asymmetric.spec.id);
    const visible = chunks[0].replace("\r\x1b[2K", "");
    expect([...visible].length).toBeLessThanOrEqual(39);
    expect(visible.endsWith("…")).toBe(true);
  });

  it("refreshes elapsed time on a timer and stops it on finish", async () => {
    const chunks: string[] = [];
    const progress = createProgress({ total: 2, tty: true, write: (c) => chunks.push(c), tickMs: 5 });
    await new Promise((r) => setTimeout(r, 60));
    progress.finish();
    const count = chunks.length;
    expect(count, "at least one tick before the final line").toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(chunks.length).toBe(count);
  });
});
