import { describe, expect, test } from "vitest";
import { demuxLogs } from "./failed-start.ts";

/** One frame of Docker's multiplexed log stream: stream type (1 stdout, 2 stderr), 3 zero bytes, size (big-endian), text. */
const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
};

describe("demuxLogs", () => {
  test("joins stdout and stderr frames in order, without their headers", () => {
    const raw = Buffer.concat([frame(1, "config read\n"), frame(2, "prosody.cfg.lua:3: syntax error near 'is'\n"), frame(1, "exiting\n")]);
    expect(demuxLogs(raw)).toBe("config read\nprosody.cfg.lua:3: syntax error near 'is'\nexiting\n");
  });

  test("a frame longer than 255 bytes keeps its text whole; a cut last frame is dropped", () => {
    const long = "x".repeat(300) + "\n";
    expect(demuxLogs(Buffer.concat([frame(1, long), Buffer.from([1, 0, 0])]))).toBe(long);
  });
});
