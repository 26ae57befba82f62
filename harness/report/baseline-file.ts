// The baseline a repository commits (`s2s-matrix baseline`, baseline.jsonl beside the
// reports): what the upgrade gate compares, and nothing that changes from run to run.
// JSON lines, sorted: a header, one line per server name, one line per cell; so a pull
// request's diff of it is exactly the servers and cells whose verdict changed.
import type { AuthMethod, CellResult, Outcome, RunResults } from "../../core/types.ts";
import { cellId } from "../../core/label.ts";
import { UsageError } from "../../core/errors.ts";
import { outcomeDetail, runningVersion, SHORT_REASON } from "./cells.ts";
import { oneLine } from "./text.ts";

/** The file name `run` and `merge` write beside the other reports (the GitHub action uploads and names it). */
export const BASELINE_FILE = "baseline.jsonl";
export const BASELINE_FORMAT = "s2s-matrix/baseline@1";
/** No cell line is longer (bytes, newline excluded): the reason is cut to fit. */
export const MAX_LINE_BYTES = 200;

/** A server name of the baseline: what ran under it. */
export interface BaselineServer {
  name: string;
  /** A named server: the family@version (or family) that runs under the name. */
  runs?: string;
  /** `ejabberd 24.12`: family and the version that ran. */
  ran: string;
}

export interface BaselineCell {
  /** The cell key (baseline.ts cellKey): `initiator → receiver [combination]`. */
  key: string;
  initiator: string;
  receiver: string;
  outcome: Outcome;
  auth: { outbound: AuthMethod; inbound: AuthMethod };
  /** Why it did not federate (or the attempts of a flaky cell), without the words that name one cell. */
  reason?: string;
}

/** What a run is compared with: from a results.json or a baseline.jsonl. */
export interface Baseline {
  /** How reports name it: `baseline run <id>`, `baseline <file>`. */
  label: string;
  scenarios: string[];
  servers: BaselineServer[];
  cells: BaselineCell[];
}

/** Words that name one cell or one moment, not a class of failures: domains, addresses, numbers. */
const CELL_SPECIFIC = /[\w.-]+\.example\b|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b\d+(?:\.\d+)?(?=\s*(?:ms|s)\b)|\b\d{3,}\b|\b[0-9a-f]{8,}\b/gi;

/**
 * At most `max` characters, cut in the middle: a server's verdict comes last
 * ("Authentication failed: Peer responded with error: certificate has expired").
 */
export function cutMiddle(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const head = Math.floor((max - 1) / 3);
  return `${chars.slice(0, head).join("").trimEnd()}…${chars.slice(chars.length - (max - 1 - head)).join("").trimStart()}`;
}

/** A reason's class: the text with cell-specific words replaced by `…`, at most SHORT_REASON characters. */
export const reasonClass = (text: string): string => cutMiddle(oneLine(text).replace(CELL_SPECIFIC, "…"), SHORT_REASON);

/** A cell as the baseline keeps it; its reason cut so that its line fits MAX_LINE_BYTES (the same in memory as in the file). */
export function baselineCell(c: CellResult): BaselineCell {
  const cell: BaselineCell = {
    key: cellId(c.spec.initiator, c.spec.receiver),
    initiator: c.spec.initiator.server,
    receiver: c.spec.receiver.server,
    outcome: c.outcome,
    auth: { outbound: c.auth.outbound, inbound: c.auth.inbound },
  };
  if (c.outcome === "federates") return cell;
  let reason = reasonClass(outcomeDetail(c));
  while (reason.length > 1 && byteLength(cellLine({ ...cell, reason })) > MAX_LINE_BYTES) reason = cutMiddle(reason, [...reason].length - 1);
  return { ...cell, reason };
}

/** A run's results as a baseline: each server name with what ran under it first, each cell. */
export function baselineOf(results: RunResults, label = `baseline run ${results.runId}`): Baseline {
  const servers = new Map<string, BaselineServer>();
  for (const c of results.cells) {
    for (const [side, installed] of [[c.spec.initiator, c.installed?.initiator], [c.spec.receiver, c.installed?.receiver]] as const) {
      if (!servers.has(side.server)) servers.set(side.server, { name: side.server, ...(side.runs !== undefined ? { runs: side.runs } : {}), ran: runningVersion(side, installed) });
    }
  }
  return { label, scenarios: results.scenarios, servers: [...servers.values()], cells: results.cells.map(baselineCell) };
}

/** `federates (external)`, `one-way (external; why)`, `fails (why)`: actualText's words for a baseline cell. */
export function baselineText(c: BaselineCell): string {
  if (c.outcome === "federates") return `federates (${c.auth.outbound})`;
  if (c.outcome === "one-way") return `one-way (${c.auth.outbound}; ${c.reason ?? ""})`;
  return `${c.outcome} (${c.reason ?? ""})`;
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** One cell's line. */
const cellLine = (c: BaselineCell): string =>
  JSON.stringify({ cell: c.key, outcome: c.outcome, auth: `${c.auth.outbound}/${c.auth.inbound}`, ...(c.reason !== undefined ? { reason: c.reason } : {}) });

/** The file's text: header, servers by name, cells by key (code-point order: the same on every machine). */
export function renderBaseline(b: Baseline): string {
  const header = JSON.stringify({ format: BASELINE_FORMAT, scenarios: b.scenarios, fields: "cell: initiator → receiver [certificates, dialback]; auth: outbound/inbound; reason: why it did not federate" });
  const servers = [...b.servers].sort((x, y) => byCode(x.name, y.name)).map((s) => JSON.stringify({ server: s.name, ...(s.runs !== undefined ? { runs: s.runs } : {}), ran: s.ran }));
  const cells = [...b.cells].sort((x, y) => byCode(x.key, y.key)).map(cellLine);
  return [header, ...servers, ...cells].join("\n") + "\n";
}

/** Whether a file's text is a baseline.jsonl (else it is read as a results.json). */
export const isBaselineText = (text: string): boolean => /^\s*\{\s*"format"\s*:/.test(text.slice(0, text.indexOf("\n") >>> 0));

const OUTCOMES: Outcome[] = ["federates", "one-way", "fails", "error", "flaky"];
const AUTH: AuthMethod[] = ["external", "dialback", "none", "unknown"];
/** `initiator → receiver [combination]`; names are never empty and hold no ` → ` or ` [`. */
const KEY = /^(\S(?:.*?\S)?) → (\S(?:.*?\S)?) \[([^\]\n]+)\]$/;

/**
 * Reads a baseline.jsonl strictly: every problem is a UsageError naming the file, the line,
 * the field and the fix (exit 2), so that a hand-edited baseline never gates silently wrong.
 */
export function parseBaseline(text: string, file: string, flag = "--baseline"): Baseline {
  const fix = `make it again with s2s-matrix baseline <results.json> -o ${file}, or correct that line`;
  const fail = (line: number, what: string): never => {
    throw new UsageError(`${flag} ${file}:${line}: ${what}; ${fix}`);
  };
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const objects = lines.map((raw, i) => {
    if (raw.includes("\r")) fail(i + 1, "a carriage return (the file's lines must end in \\n only)");
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      fail(i + 1, `not a JSON object (${(e as Error).message})`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(i + 1, "not a JSON object");
    return v as Record<string, unknown>;
  });
  const fields = (o: Record<string, unknown>, line: number, kind: string, allowed: string[]) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(line, `field "${k}" is not one of a ${kind} line's fields (${allowed.join(", ")})`);
  };
  const str = (o: Record<string, unknown>, line: number, name: string, optional = false): string | undefined => {
    const v = o[name];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || !v.length) fail(line, `field "${name}" must be a non-empty string${v === undefined ? " (it is missing)" : ""}`);
    if (/[\u0000-\u001f\u007f]/.test(v as string)) fail(line, `field "${name}" holds a control character`);
    return v as string;
  };

  const head = objects[0];
  if (!head) fail(1, `the file is empty: its first line must be {"format":"${BASELINE_FORMAT}",…}`);
  if (head!.format !== BASELINE_FORMAT) {
    fail(1, `field "format" is ${JSON.stringify(head!.format)}, expected "${BASELINE_FORMAT}"${typeof head!.format === "string" && head!.format.startsWith("s2s-matrix/baseline@") ? " (made by another s2s-matrix version)" : ""}`);
  }
  fields(head!, 1, "header", ["format", "scenarios", "fields"]);
  const scenarios = head!.scenarios;
  if (!Array.isArray(scenarios) || !scenarios.every((s) => typeof s === "string")) fail(1, `field "scenarios" must be a list of scenario names`);

  const servers = new Map<string, BaselineServer>();
  const cells = new Map<string, BaselineCell>();
  objects.slice(1).forEach((o, i) => {
    const line = i + 2;
    if ("server" in o) {
      fields(o, line, "server", ["server", "runs", "ran"]);
      const name = str(o, line, "server")!;
      if (servers.has(name)) fail(line, `server "${name}" is listed twice`);
      if (cells.size) fail(line, `server lines come before the cell lines`);
      const runs = str(o, line, "runs", true);
      servers.set(name, { name, ...(runs !== undefined ? { runs } : {}), ran: str(o, line, "ran")! });
      return;
    }
    if (!("cell" in o)) fail(line, `neither a "server" nor a "cell" line (fields: ${Object.keys(o).join(", ") || "none"})`);
    fields(o, line, "cell", ["cell", "outcome", "auth", "reason"]);
    const key = str(o, line, "cell")!;
    const m = KEY.exec(key);
    if (!m) fail(line, `field "cell": ${JSON.stringify(key)} is not "initiator → receiver [certificates, dialback]"`);
    const [, initiator, receiver] = m!;
    for (const name of [initiator, receiver]) if (!servers.has(name)) fail(line, `field "cell": server "${name}" has no server line above`);
    if (cells.has(key)) fail(line, `cell "${key}" is listed twice`);
    const outcome = str(o, line, "outcome") as Outcome;
    if (!OUTCOMES.includes(outcome)) fail(line, `field "outcome": ${JSON.stringify(outcome)} is not one of ${OUTCOMES.join(", ")}`);
    const auth = str(o, line, "auth")!.split("/");
    if (auth.length !== 2 || !auth.every((a) => AUTH.includes(a as AuthMethod))) {
      fail(line, `field "auth": ${JSON.stringify(o.auth)} is not outbound/inbound, each one of ${AUTH.join(", ")} (e.g. "external/none")`);
    }
    const reason = str(o, line, "reason", true);
    if (reason !== undefined && outcome === "federates") fail(line, `field "reason": a federating cell has no reason`);
    cells.set(key, { key, initiator, receiver, outcome, auth: { outbound: auth[0] as AuthMethod, inbound: auth[1] as AuthMethod }, ...(reason !== undefined ? { reason } : {}) });
  });
  return { label: `baseline ${file}`, scenarios: scenarios as string[], servers: [...servers.values()], cells: [...cells.values()] };
}
