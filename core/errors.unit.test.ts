// The errors the CLI maps to exit codes (README "Exit codes").
import { describe, expect, it } from "vitest";
import { EXIT, EnvironmentError, UsageError } from "./errors.ts";

describe("errors", () => {
  it("a usage error exits 2; an environment error 3 and carries its fix on a line of its own", () => {
    expect(new UsageError("bad flag").exitCode).toBe(2);
    const e = new EnvironmentError("no Docker engine answers", "start it (systemctl start docker)");
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe("no Docker engine answers\n  fix: start it (systemctl start docker)");
    expect(new EnvironmentError("gone").message).toBe("gone");
  });

  it("the documented codes", () => {
    expect(EXIT).toEqual({ ok: 0, unexpected: 1, usage: 2, environment: 3, internal: 4 });
  });
});
