import { describe, expect, it } from "vitest";
import { isLoopback } from "./loopback.ts";

describe("isLoopback", () => {
  it.each(["localhost", "LOCALHOST", "127.0.0.1", "127.3.2.1", "::1", "[::1]"])("%s stays on this machine", (host) => {
    expect(isLoopback(host)).toBe(true);
  });
  it.each(["172.17.0.1", "10.0.0.1", "host1.internal", "localhost.example", "127.0.0.1.example", "::2", "0.0.0.0", ""])("%s may cross a network", (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});
