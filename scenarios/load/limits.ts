// What a scenario file may cost: its size is capped before it is read.
import { open } from "node:fs/promises";
import { ScenarioError } from "./issues.ts";

/** Larger scenario files are refused unread: a real one is a few KiB, and YAML parsing costs ~80× its size in memory. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** `bytes` when known (a regular file's size), else the file only went on past the limit. */
export const tooLarge = (file: string, bytes?: number): ScenarioError =>
  new ScenarioError([
    {
      file,
      line: 1,
      col: 1,
      path: "",
      message: `the file is larger than ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB${bytes ? ` (${(bytes / 1024 / 1024).toFixed(1)} MiB)` : ""}, the most a scenario file may have; split it into several files`,
    },
  ]);

/** The file's text; a file (or device, or pipe) longer than MAX_SCENARIO_BYTES is refused unread. */
export async function readCapped(file: string): Promise<string> {
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    if (size > MAX_SCENARIO_BYTES) throw tooLarge(file, size);
    const buf = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = await fh.read(buf, n, buf.length - n)).bytesRead > 0; ) n += r.bytesRead;
    if (n > MAX_SCENARIO_BYTES) throw tooLarge(file);
    return buf.toString("utf8", 0, n);
  } finally {
    await fh.close();
  }
}
