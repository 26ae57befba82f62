// First-time host set-up on a machine without debootstrap and without any image: several
// base images asked for at once must install debootstrap once (apt takes a lock and a
// second apt-get at the same time fails with "Could not get lock"), make each image once,
// and all succeed. The host (Docker, apt, debootstrap) is simulated; the locks are real.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBaseImage, type BaseImageHost } from "./base-images.ts";
import { withHostLock } from "./host-lock.ts";

const lockDir = mkdtempSync(join(tmpdir(), "s2s-matrix-locks-test-"));
afterAll(() => rmSync(lockDir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fresh Debian host as apt and Docker behave on it, counting what was done. */
function freshHost(lockNamespace: string) {
  const images = new Set<string>();
  let debootstrap = false;
  let aptBusy = false;
  const calls = { installs: 0, imports: [] as string[], aptLockFailures: 0 };
  const host: BaseImageHost = {
    hasImage: async (tag) => images.has(tag),
    pull: async () => false, // no registry answers
    hasDebootstrap: () => debootstrap,
    canInstall: () => true,
    installDebootstrap: async () => {
      if (aptBusy) {
        calls.aptLockFailures++;
        throw new Error("apt-get exited 100: E: Could not get lock /var/lib/apt/lists/lock");
      }
      aptBusy = true;
      calls.installs++;
      await sleep(50);
      debootstrap = true;
      aptBusy = false;
    },
    debootstrapImport: async (suite) => {
      if (!debootstrap) throw new Error("debootstrap: command not found");
      calls.imports.push(suite);
      await sleep(30);
      images.add(`debian:${suite}`);
    },
    lock: (name, fn, onWait) => withHostLock(`${lockNamespace}-${name}`, fn, onWait, lockDir),
  };
  return { host, calls, images };
}

describe("ensureBaseImage on a fresh host", () => {
  it("makes several base images at once: debootstrap installed once, each image made once, all succeed", async () => {
    const { host, calls, images } = freshHost("a");
    const suites = ["bookworm", "trixie", "bullseye", "bookworm", "trixie", "bookworm"];
    const logs: string[] = [];
    const results = await Promise.allSettled(suites.map((s) => ensureBaseImage(s, (l) => logs.push(l), host)));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(calls.aptLockFailures).toBe(0);
    expect(calls.installs).toBe(1);
    expect(logs.filter((l) => l.startsWith("installing debootstrap"))).toHaveLength(1);
    expect([...calls.imports].sort()).toEqual(["bookworm", "bullseye", "trixie"]);
    expect([...images].sort()).toEqual(["debian:bookworm", "debian:bullseye", "debian:trixie"]);
  });

  it("two independent callers (as two processes would be) share the install and the image through the host lock", async () => {
    const { host, calls } = freshHost("b");
    // Distinct host objects share no in-process memo: only the host-wide lock keeps them apart.
    const other: BaseImageHost = { ...host };
    const results = await Promise.allSettled([ensureBaseImage("bookworm", () => {}, host), ensureBaseImage("bookworm", () => {}, other)]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(calls).toEqual({ installs: 1, imports: ["bookworm"], aptLockFailures: 0 });
  });

  it("a failed install is reported as an environment problem with the fix, and tried again on the next call", async () => {
    const { host, calls } = freshHost("c");
    let failOnce = true;
    const flaky: BaseImageHost = {
      ...host,
      installDebootstrap: async () => {
        if (failOnce) (failOnce = false), await Promise.reject(new Error("apt-get exited 100: mirror unreachable"));
        return host.installDebootstrap();
      },
    };
    await expect(ensureBaseImage("bookworm", () => {}, flaky)).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/installing debootstrap failed.*\n {2}fix: apt-get install debootstrap/) });
    await ensureBaseImage("bookworm", () => {}, flaky);
    expect(calls.imports).toEqual(["bookworm"]);
  });
});

describe("withHostLock", () => {
  it("runs holders of the same lock one after the other, others in parallel", async () => {
    const order: string[] = [];
    const job = (name: string, tag: string) =>
      withHostLock(name, async () => {
        order.push(`${tag}+`);
        await sleep(60);
        order.push(`${tag}-`);
      }, () => {}, lockDir);
    await Promise.all([job("same", "1"), job("same", "2"), job("other", "3")]);
    const one = order.indexOf("1+") < order.indexOf("2+") ? ["1", "2"] : ["2", "1"];
    expect(order.indexOf(`${one[0]}-`)).toBeLessThan(order.indexOf(`${one[1]}+`));
    expect(order.indexOf("3+")).toBeLessThan(order.indexOf(`${one[0]}-`));
  });

  it("takes over a lock whose owner died", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(lockDir, "stale.lock"));
    writeFileSync(join(lockDir, "stale.lock", "pid"), "2147483646"); // no such process
    let waited = false;
    expect(await withHostLock("stale", async () => "ran", () => (waited = true), lockDir)).toBe("ran");
    expect(waited).toBe(false);
  });
});
