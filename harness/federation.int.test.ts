// The public facts of the Let's Encrypt change, reproduced on real servers.
import { beforeAll, describe, expect, test } from "vitest";
import { probePairs } from "./index.ts";
import type { CellResult, CellSide } from "../core/types.ts";

const side = (server: string, certificate: CellSide["certificate"], dialback: CellSide["dialback"]): CellSide => ({ server, certificate, dialback });

const PAIRS = {
  soToEj23: { initiator: side("prosody@13.0.7", "server-only", "off"), receiver: side("ejabberd@23.01", "server-only", "off") },
  soToP12: { initiator: side("ejabberd@26.07", "server-only", "off"), receiver: side("prosody@0.12.3", "server-only", "off") },
  soToEj26: { initiator: side("prosody@13.0.7", "server-only", "off"), receiver: side("ejabberd@26.07", "server-only", "off") },
  soToEj23Dialback: { initiator: side("prosody@13.0.7", "server-only", "on"), receiver: side("ejabberd@23.01", "server-only", "on") },
  dualPtoE: { initiator: side("prosody@0.12.3", "dual-eku", "off"), receiver: side("ejabberd@23.01", "dual-eku", "off") },
  dualEtoP: { initiator: side("ejabberd@23.01", "dual-eku", "off"), receiver: side("prosody@0.12.3", "dual-eku", "off") },
  oneWay: { initiator: side("ejabberd@23.01", "server-only", "off"), receiver: side("prosody@0.12.3", "server-only", "off") },
};

describe("directed federation probe on real servers", () => {
  const r = {} as Record<keyof typeof PAIRS, CellResult>;
  beforeAll(async () => {
    const keys = Object.keys(PAIRS) as (keyof typeof PAIRS)[];
    const results = await probePairs(keys.map((k) => PAIRS[k]));
    keys.forEach((k, i) => (r[k] = results[i]));
  }, 600_000);

  test("server-only initiator → ejabberd 23.01, dialback off: bounced, unsupported certificate purpose", () => {
    expect(r.soToEj23.outcome).toBe("fails");
    expect(r.soToEj23.message?.status).toBe("bounced");
    expect(r.soToEj23.reason).toMatch(/unsupported certificate purpose/);
    expect(r.soToEj23.auth.outbound).toBe("none");
    expect(r.soToEj23.logs.some((l) => l.includes("Failed inbound s2s EXTERNAL authentication"))).toBe(true);
  });

  test("server-only initiator → Prosody 0.12.3, dialback off: delivered via SASL EXTERNAL", () => {
    expect(r.soToP12.outcome).toBe("federates");
    expect(r.soToP12.message?.status).toBe("delivered");
    expect(r.soToP12.auth.outbound).toBe("external");
  });

  test("server-only initiator → ejabberd 26.07, dialback off: delivered via SASL EXTERNAL", () => {
    expect(r.soToEj26.outcome).toBe("federates");
    expect(r.soToEj26.auth.outbound).toBe("external");
    expect(r.soToEj26.ping?.status).toBe("result");
  });

  test("server-only initiator → ejabberd 23.01 with dialback on both sides: delivered via dialback", () => {
    expect(r.soToEj23Dialback.outcome).toBe("federates");
    expect(r.soToEj23Dialback.auth.outbound).toBe("dialback");
  });

  test("dual-EKU both ways between Prosody and ejabberd: delivered, ping answered", () => {
    for (const c of [r.dualPtoE, r.dualEtoP]) {
      expect(c.outcome, c.spec.id).toBe("federates");
      expect(c.auth.outbound, c.spec.id).toBe("external");
      expect(c.ping?.status, c.spec.id).toBe("result");
    }
  });

  test("a result is structured: versions installed, durations, raw log lines", () => {
    const c = r.soToEj23;
    expect(c.installed.receiver).toMatch(/^23\.01/);
    expect(c.durationMs).toBeGreaterThan(0);
    expect(c.message?.ms).toBeGreaterThanOrEqual(0);
    expect(c.logs.length).toBeGreaterThan(0);
    expect(c.attempts[0].domains.initiator).toMatch(/\.example$/);
  });

  test("one-way (ejabberd 23.01 refuses Prosody's server-only certificate on the way back): delivered, and the ping gives up as soon as Prosody's log says so", () => {
    expect(r.oneWay.outcome).toBe("one-way");
    expect(r.oneWay.ping?.status).toBe("timeout");
    expect(r.oneWay.ping?.text).toMatch(/^no reply: c\d+-b\.example logged that its connection to c\d+-a\.example failed$/);
    expect(r.oneWay.reason).toBe("one-way: replies refused: unsupported certificate purpose");
  });
});
