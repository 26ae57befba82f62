// A server container whose start failed, cleared away. testcontainers removes a container
// whose wait strategy failed (and gives up silently when that removal fails), but leaves
// one whose published ports it stopped waiting for (10 s, fixed): a server that exits at
// once, before that first look, ends that way, its log never read.
import { docker } from "./client.ts";
import { STAGE_TIMEOUTS_MS, within } from "./deadline.ts";

export interface FailedStart {
  /** It had stopped: the server exited by itself (a rejected configuration), not too slow. */
  exited: boolean;
  /** Its last log lines (stdout and stderr), in order. */
  lines: string[];
}

/** Docker's log stream of a container without a TTY: 8-byte frame headers, then the text. */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

/**
 * The container named `name` after a failed start, if it is still there: whether it had
 * exited and its last 60 log lines, then it is removed (forced, with its volumes). Undefined
 * when it is already gone.
 */
export async function clearFailedStart(name: string): Promise<FailedStart | undefined> {
  const c = (await docker()).getContainer(name);
  const info = await c.inspect().catch(() => undefined);
  if (!info) return undefined;
  const raw = (await c.logs({ stdout: true, stderr: true, follow: false, tail: 60 }).catch(() => undefined)) as Buffer | undefined;
  // Bounded as any engine call; a removal that does not end is left to the run's clean-up by label.
  await within(STAGE_TIMEOUTS_MS.engine, `removing ${name}`, c.remove({ force: true, v: true })).catch(() => {});
  return { exited: info.State?.Running !== true, lines: raw ? demuxLogs(raw).split("\n").filter((l) => l.trim()) : [] };
}
