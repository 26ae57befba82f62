// Workflow commands as the runner reads them from a step's stdout AND stderr
// (actions/runner src/Runner.Common/ActionCommand.cs and Runner.Worker/ActionCommandManager.cs):
// `::cmd k=v,k=v::data` after leading whitespace, the legacy `##[cmd k=v;k=v]data` anywhere
// in a line, only registered command names, and `::stop-commands::token` … `::token::`.

export interface Annotation {
  level: "error" | "warning" | "notice";
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  title?: string;
}

export interface Command {
  command: string;
  properties: Record<string, string>;
  data: string;
}

const REGISTERED = [
  "error", "warning", "notice", "debug", "group", "endgroup", "echo", "add-mask", "set-output",
  "save-state", "set-env", "add-path", "add-matcher", "remove-matcher", "stop-commands",
];

const unescape = (s: string, pairs: [string, string][]): string => pairs.reduce((acc, [from, to]) => acc.split(from).join(to), s);
const DATA: [string, string][] = [["%0D", "\r"], ["%0A", "\n"], ["%25", "%"]];
const PROPERTY: [string, string][] = [["%0D", "\r"], ["%0A", "\n"], ["%3A", ":"], ["%2C", ","], ["%25", "%"]];
const LEGACY: [string, string][] = [["%3B", ";"], ["%0D", "\r"], ["%0A", "\n"], ["%5D", "]"], ["%25", "%"]];

/** `::cmd props::data` (ActionCommand.TryParseV2). */
export function parseV2(line: string, registered: Set<string>): Command | undefined {
  const msg = line.trimStart();
  if (!msg.startsWith("::")) return undefined;
  const end = msg.indexOf("::", 2);
  if (end < 0) return undefined;
  const info = msg.slice(2, end);
  const space = info.indexOf(" ");
  const command = space < 0 ? info : info.slice(0, space);
  if (!registered.has(command.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const p of info.slice(space + 1).trim().split(",").filter(Boolean)) {
      const eq = p.indexOf("=");
      if (eq > 0 && eq < p.length - 1) properties[p.slice(0, eq).toLowerCase()] = unescape(p.slice(eq + 1), PROPERTY);
    }
  }
  return { command, properties, data: unescape(msg.slice(end + 2), DATA) };
}

/** `##[cmd props]data` anywhere in the line (ActionCommand.TryParse). */
export function parseLegacy(line: string, registered: Set<string>): Command | undefined {
  const prefix = line.indexOf("##[");
  if (prefix < 0) return undefined;
  const rb = line.indexOf("]", prefix);
  if (rb < 0) return undefined;
  const info = line.slice(prefix + 3, rb);
  const space = info.indexOf(" ");
  const command = space < 0 ? info : info.slice(0, space);
  if (!registered.has(command.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const p of info.slice(space + 1).split(";").filter(Boolean)) {
      const eq = p.indexOf("=");
      if (eq > 0 && eq < p.length - 1) properties[p.slice(0, eq).toLowerCase()] = unescape(p.slice(eq + 1), LEGACY);
    }
  }
  return { command, properties, data: unescape(line.slice(rb + 1), LEGACY) };
}

/** One job's command channel: its state (stopped, masks) spans every step, as in the runner. */
export class CommandChannel {
  readonly annotations: Annotation[] = [];
  readonly masks: string[] = [];
  /** Every command processed (not the ones ignored while stopped). */
  readonly processed: Command[] = [];
  /** `::set-output name=…::` of the current step (deprecated, still obeyed by the runner). */
  setOutputs: Record<string, string> = {};
  private stopToken: string | undefined;
  private readonly registered = new Set(REGISTERED);

  get stopped(): boolean {
    return this.stopToken !== undefined;
  }

  /** One output line of a step; true when it was taken as a command. */
  line(text: string): boolean {
    const cmd = parseV2(text, this.registered) ?? parseLegacy(text, this.registered);
    if (!cmd) return false;
    const name = cmd.command.toLowerCase();
    if (this.stopToken !== undefined) {
      if (name !== this.stopToken.toLowerCase()) return false;
      this.registered.delete(this.stopToken.toLowerCase());
      this.stopToken = undefined;
      return true;
    }
    if (name === "stop-commands") {
      this.stopToken = cmd.data;
      this.registered.add(cmd.data.toLowerCase());
      return true;
    }
    this.processed.push(cmd);
    if (name === "error" || name === "warning" || name === "notice") this.annotate(name, cmd);
    else if (name === "add-mask" && cmd.data.trim() !== "") this.masks.push(cmd.data);
    else if (name === "set-output" && cmd.properties.name) this.setOutputs[cmd.properties.name] = cmd.data;
    else if (name === "set-env" || name === "add-path") {
      // Disabled on GitHub since 2020: the runner reports an error instead of obeying.
      this.annotations.push({ level: "error", message: `Unable to process command '${text}' successfully.` });
    }
    return true;
  }

  private annotate(level: Annotation["level"], cmd: Command): void {
    const p = cmd.properties;
    const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
    this.annotations.push({
      level,
      message: cmd.data,
      ...(p.file !== undefined ? { file: p.file } : {}),
      ...(num(p.line) !== undefined ? { line: num(p.line) } : {}),
      ...(num(p.endline) !== undefined ? { endLine: num(p.endline) } : {}),
      ...(num(p.col) !== undefined ? { col: num(p.col) } : {}),
      ...(p.title !== undefined ? { title: p.title } : {}),
    });
  }

  /** Text as the log shows it: every masked value as ***. */
  mask(text: string): string {
    return this.masks.reduce((acc, m) => acc.split(m).join("***"), text);
  }
}
