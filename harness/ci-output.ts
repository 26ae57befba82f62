// What the CLI writes to stdout and stderr, where GitHub's runner reads it: a line that
// starts with `::` (or `##[`) is a workflow command to the runner (an annotation, a mask,
// stop-commands). Server log tails, an operator's config values, scenario reasons and
// names reach these streams; under GITHUB_ACTIONS none of them may command the runner.

/** `::` → `:\u200b:`, `##[` → `#\u200b#[`: reads the same, is no command. */
const COMMAND_START = /^(\s*)(?:(:)(:)|(#)(#\[))/gm;

/**
 * The text made safe for the runner's command channel: a carriage return becomes a
 * space (no line can hide behind one), and every line whose first characters would
 * start a workflow command gets a zero-width space between them.
 */
export const defuseWorkflowCommands = (text: string): string =>
  text.replace(/\r/g, " ").replace(COMMAND_START, (_, ws: string, c1?: string, c2?: string, h1?: string, h2?: string) => `${ws}${c1 ?? h1}\u200b${c2 ?? h2}`);

/** A writer for `stream` that defuses workflow commands when running in GitHub Actions (GITHUB_ACTIONS set). */
export function ciSafeWriter(stream: { write(s: string): unknown }, env: NodeJS.ProcessEnv = process.env): (s: string) => void {
  const safe = !!env.GITHUB_ACTIONS;
  return (s) => void stream.write(safe ? defuseWorkflowCommands(s) : s);
}
