// First-time host set-up on a machine without debootstrap and without any image: several
// base images asked for at once must install debootstrap once (apt takes a lock and a
// second apt-get at the same time fails with "Could not get lock"), make each image once,
// and all succeed. The host (Docker, apt, debootstrap) is simulated; the locks are real.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBaseImage, type BaseImageHost } from "./base-images.ts";
import { withHostLock } from "./host-lock.ts";
import { processStartTime } from "./labels.ts";

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
    lock: (name, fn, onWait) => withHostLock(`${lockNamespace}-${name}`, fn, onWait, { dir: lockDir }),
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
      }, () => {}, { dir: lockDir });
    await Promise.all([job("same", "1"), job("same", "2"), job("other", "3")]);
    const one = order.indexOf("1+") < order.indexOf("2+") ? ["1", "2"] : ["2", "1"];
    expect(order.indexOf(`${one[0]}-`)).toBeLessThan(order.indexOf(`${one[1]}+`));
    expect(order.indexOf("3+")).toBeLessThan(order.indexOf(`${one[0]}-`));
  });

  const lockFile = (name: string, text: string) => writeFileSync(join(lockDir, `${name}.lock`), text, { mode: 0o600 });
  /** A clock that moves only when the lock waits: a minute per poll. */
  const fakeClock = () => {
    let t = 0;
    return { now: () => t, sleep: async () => void (t += 60_000) };
  };

  it("takes over a lock whose owner died", async () => {
    lockFile("stale", "2147483646 123"); // no such process
    let waited = false;
    expect(await withHostLock("stale", async () => "ran", () => (waited = true), { dir: lockDir })).toBe("ran");
    expect(waited).toBe(false);
  });

  it.runIf(processStartTime("self"))("takes over a lock naming a live pid that is another process (pid 1, a reused pid)", async () => {
    lockFile("pid1", "1");
    lockFile("reused", `${process.pid} 1`); // our pid, but not our start time
    const clock = fakeClock();
    expect(await withHostLock("pid1", async () => "ran", () => {}, { dir: lockDir, ...clock })).toBe("ran");
    expect(await withHostLock("reused", async () => "ran", () => {}, { dir: lockDir, ...clock })).toBe("ran");
  });

  it("waits for a live holder at most maxWaitMs, then ends with exit 3 naming the lock and the fix", async () => {
    // The holder is this very process (pid and start time), so it is provably alive.
    await withHostLock("held", async () => {
      let polls = 0;
      const clock = fakeClock();
      const sleep = async (ms: number) => {
        if (++polls > 100) throw new Error("still waiting after 100 polls: the wait is not bounded");
        await clock.sleep();
      };
      const waiting = withHostLock("held", async () => "ran", () => {}, { dir: lockDir, maxWaitMs: 10 * 60_000, now: clock.now, sleep });
      await expect(waiting).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(new RegExp(`waited 10m for the host lock ${join(lockDir, "held.lock")}, held by pid ${process.pid}\n  fix: .*rm ${join(lockDir, "held.lock")}`)) });
      expect(polls).toBe(10);
    }, () => {}, { dir: lockDir });
  });

  it("an empty lock file: its writer is between creating and writing it (waited on), or died there (taken over after 10 s)", async () => {
    lockFile("empty-fresh", "");
    const clock = fakeClock();
    await expect(withHostLock("empty-fresh", async () => "ran", () => {}, { dir: lockDir, maxWaitMs: 60_000, ...clock })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/held by a process that has not written its pid\n  fix: rm .*empty-fresh\.lock/),
    });
    lockFile("empty-old", "");
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(join(lockDir, "empty-old.lock"), minuteAgo, minuteAgo);
    expect(await withHostLock("empty-old", async () => "ran", () => {}, { dir: lockDir, ...fakeClock() })).toBe("ran");
  });

  it("refuses a lock directory that is a symlink, another's, or open to others", async () => {
    const real = mkdtempSync(join(tmpdir(), "s2s-matrix-lock-target-"));
    const link = `${real}-link`;
    symlinkSync(real, link);
    const open = mkdtempSync(join(tmpdir(), "s2s-matrix-lock-open-"));
    chmodSync(open, 0o777);
    try {
      await expect(withHostLock("x", async () => "ran", () => {}, { dir: link })).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/is a symbolic link.*\n  fix: rm -rf /) });
      await expect(withHostLock("x", async () => "ran", () => {}, { dir: open })).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/has mode 777, not 700/) });
      expect(readdirSync(real)).toEqual([]); // nothing was written through the link
    } finally {
      rmSync(link, { force: true });
      rmSync(real, { recursive: true, force: true });
      rmSync(open, { recursive: true, force: true });
    }
  });

  it("makes a missing lock directory owner-only", async () => {
    const dir = join(lockDir, "fresh");
    await withHostLock("x", async () => {}, () => {}, { dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("does not follow a symlink planted as the lock file", async () => {
    const target = join(lockDir, "target.txt");
    writeFileSync(target, "precious");
    symlinkSync(target, join(lockDir, "planted.lock"));
    // The planted link holds no live owner: it is moved aside, never written through.
    expect(await withHostLock("planted", async () => "ran", () => {}, { dir: lockDir })).toBe("ran");
    expect(readFileSync(target, "utf8")).toBe("precious");
  });
});
