// Errors the CLI maps to documented exit codes (see README "Exit codes").

/** Bad input from the user: a scenario, a flag, a name. Exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The environment cannot run the harness: Docker, images, a server that never came up. Exit 3. */
export class EnvironmentError extends Error {
  readonly exitCode = 3;
  constructor(message: string, readonly fix?: string) {
    super(fix ? `${message}\n  fix: ${fix}` : message);
    this.name = "EnvironmentError";
  }
}

/** See README "Exit codes". `internal`: an error none of the above explains, i.e. a bug. */
export const EXIT = { ok: 0, unexpected: 1, usage: 2, environment: 3, internal: 4 } as const;
