// A `run:` step's process: the script in a file under RUNNER_TEMP, the shell the runner
// picks for `shell:`, every line of stdout and stderr through the job's command channel.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { Job } from "./job.ts";

/** The runner's templates (docs: "jobs.<job_id>.steps[*].shell"). */
export function shellCommand(shell: string | undefined, script: string): string[] {
  const template =
    shell === undefined
      ? "bash -e {0}" // a workflow step without shell: (Linux)
      : ({ bash: "bash --noprofile --norc -eo pipefail {0}", sh: "sh -e {0}" } as Record<string, string>)[shell] ?? shell;
  if (!template.includes("{0}")) throw new Error(`shell '${shell}' is not supported by the stand-in runner (use bash, sh or a template with {0})`);
  return template.split(/\s+/).map((part) => part.replace("{0}", script));
}

/** Splits a stream into lines; a last line without newline is given at the end. */
function lineReader(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = "";
  return {
    push(chunk) {
      rest += chunk.toString("utf8");
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) onLine(p.replace(/\r$/, ""));
    },
    end() {
      if (rest !== "") onLine(rest);
      rest = "";
    },
  };
}

export function runScript(job: Job, opts: { script: string; shell?: string; env: Record<string, string>; cwd: string }): Promise<number> {
  const file = `${job.file("script")}.sh`;
  writeFileSync(file, opts.script);
  const [cmd, ...args] = shellCommand(opts.shell, file);
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  // The runner reads both streams and processes commands from either of them.
  const onLine = (line: string) => {
    job.channel.line(line);
    job.write(line);
  };
  const out = lineReader(onLine);
  const err = lineReader(onLine);
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      out.end();
      err.end();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
