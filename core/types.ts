// The vocabulary shared by ca/, harness/ and scenarios/: what a cell is and what it yields.
import type { CellCaptureResult } from "./capture.ts";

/** Certificate profile names; their meaning lives in ca/profiles.ts. */
export type ProfileName =
  | "server-only"
  | "dual-eku"
  | "no-eku"
  | "client-only"
  | "expired"
  | "wrong-name"
  | "untrusted"
  | "self-signed"
  | "le-tlsserver"
  | "le-shortlived"
  | "missing-intermediate"
  | "wildcard"
  | "wildcard-mismatch"
  | "rsa-classic";

export type Dialback = "on" | "off";

/** PEM material for one virtual host, as minted by ca/. */
export interface HostCertificate {
  /** Leaf certificate PEM. */
  cert: string;
  /** Private key PEM (PKCS#8). */
  key: string;
  /** What the server sends: the leaf followed by any intermediate (the leaf alone for `missing-intermediate`). */
  fullchain: string;
}

/** How one direction of s2s authenticated, as read from the receiving server's log. */
export type AuthMethod = "external" | "dialback" | "none" | "unknown";

/**
 * What a cell turned out to be. `one-way`: the message initiator → receiver arrived, but
 * the ping's reply receiver → initiator did not (every answer to the initiator is lost).
 * `error`: the harness could not decide. `flaky`: two runs disagreed.
 */
export type Outcome = "federates" | "one-way" | "fails" | "error" | "flaky";

/** The outcomes a scenario can expect. */
export type ExpectedOutcome = "federates" | "one-way" | "fails";

export interface CellSide {
  /**
   * The server's name: the `name` a scenario gives it (`ours`), else its `family@version`.
   * Cell ids, report rows and baseline matching use it, so a named server keeps its
   * cells across a version bump.
   */
  server: string;
  /**
   * A named server only: what runs under the name, `family@version` (`ejabberd@24.12`),
   * or the family alone for an `image:` whose version is read when it runs. Rule
   * selectors by family and version match on it.
   */
  runs?: string;
  certificate: ProfileName;
  dialback: Dialback;
}

export interface Expectation {
  outcome: ExpectedOutcome;
  /**
   * Every outcome that meets the expectation, `outcome` first, when a rule lists several
   * (`outcome: [federates, fails]`): for a cell decided by something the scenario does not
   * control, which the rule's comment names. Absent: `outcome` alone.
   */
  anyOf?: ExpectedOutcome[];
  /** Optional XEP-0199 ping expectation (needs the reverse direction too). */
  ping?: "ok" | "fails";
  auth?: "external" | "dialback";
  /** Substring the diagnosis must contain. */
  reason?: string;
  /** Scenario allows this cell to end as `error` without failing the run. */
  tolerateError?: boolean;
  /** Which rule decided: "default" or "rules[3]". */
  source: string;
}

/** One directed pair: the initiator's server opens s2s to the receiver's. */
export interface CellSpec {
  /** Stable, human-readable: `prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]`. */
  id: string;
  scenario: string;
  initiator: CellSide;
  receiver: CellSide;
  expected: Expectation;
}

export interface MessageResult {
  status: "delivered" | "bounced" | "timeout";
  condition?: string;
  text?: string;
  ms: number;
}

export interface PingResult {
  status: "result" | "error" | "timeout";
  condition?: string;
  text?: string;
  ms: number;
}

/** A fact about s2s authentication read from a server's log. */
export interface AuthEvent {
  /** The server that wrote the line: the receiving side of `from → to`. */
  kind: "external-ok" | "external-failed" | "dialback-ok" | "dialback-failed" | "dialback-retry" | "connection-failed" | "connection-ok";
  from: string;
  to: string;
  reason?: string;
  /** The writing server's own verdict on the peer's certificate (its reason is the one to show). */
  judged?: boolean;
  /** The server has given up on this stream for good: no stanza will pass it (harness/probe/evidence.ts). */
  final?: boolean;
  line: string;
}

/**
 * How an attempt's verdict came: a stanza answered (delivered, bounced, an error or a
 * ping's result), a server's log line said no stanza could pass any more (`evidence`),
 * or nothing came before the timeout.
 */
export type Decided = "stanzas" | "log" | "timeout";

export interface ProbeResult {
  message: MessageResult;
  ping: PingResult;
  /** outbound: initiator → receiver (what the message needs); inbound: receiver → initiator (the ping reply). */
  auth: { outbound: AuthMethod; inbound: AuthMethod };
  /** Short diagnosis of why, from logs and bounce text. */
  reason?: string;
  events: AuthEvent[];
  /** Raw log lines of both servers that mention the cell's domains. */
  logs: string[];
}

export interface Attempt {
  outcome: Outcome;
  probe?: ProbeResult;
  error?: string;
  /** With --capture: the relay's decrypted record of the cell's s2s connections. */
  capture?: CellCaptureResult;
  domains: { initiator: string; receiver: string };
  /** The s2s settings in force on each side's host (see CellResult.settings). */
  settings?: CellSettings;
  /** What happened to the run around this attempt, e.g. it ran on a server restarted after a crash. */
  note?: string;
  /** A server of the cell died while it ran (the cause is in `error`): no verdict; a re-run or --resume runs it again. */
  interrupted?: boolean;
  /** How the probe's verdict came (absent for an error and in files written before it existed). */
  decided?: Decided;
  /** decided "log": the server's line that decided it, as in `logs` (`[server] line`). */
  evidence?: string;
  /**
   * Streams of a working cell (`a → b`) whose receiver logged no verdict within the wait:
   * their auth method is "unknown", and the attempt decides nothing (a re-run does).
   */
  unverified?: string[];
  durationMs: number;
}

/**
 * Per side: option → value and where it came from ("false (your config)", "on (scenario)",
 * "true (s2s-matrix)", "true (Prosody default)"), as the adapter configured the server.
 */
export interface CellSettings {
  initiator: Record<string, string>;
  receiver: Record<string, string>;
}

export interface CellResult {
  spec: CellSpec;
  /** Versions actually installed in the images (may be more precise than the catalog key). */
  installed: { initiator: string; receiver: string };
  outcome: Outcome;
  /** The attempt that decided the outcome; `attempts` lists every one (a re-run of an unexpected cell adds one). */
  attempts: Attempt[];
  auth: { outbound: AuthMethod; inbound: AuthMethod };
  message?: MessageResult;
  ping?: PingResult;
  reason?: string;
  logs: string[];
  error?: string;
  /** With --capture: the relay's record of the deciding attempt (diagnosis, both directions). */
  capture?: CellCaptureResult;
  /** The s2s settings in force on both sides for the deciding attempt (an operator's `config:` shows here). */
  settings?: CellSettings;
  /** The attempts' notes (a server restarted after a crash, an attempt interrupted). */
  notes?: string[];
  /** The deciding attempt's `decided` and `evidence`. */
  decided?: Decided;
  evidence?: string;
  /** The first attempt decided nothing (a timeout or an error) and the re-run did: a verdict that needed a second try. */
  retried?: boolean;
  /** Whether the outcome meets the scenario's expectation. */
  asExpected: boolean;
  /** Why it does not, in words. */
  mismatch?: string;
  durationMs: number;
  /** Run with --shard (or merged): which shard ran the cell. */
  shard?: CellShard;
}

/** Which shard ran a cell, and the cell's place in the whole run (merge restores the order from it). */
export interface CellShard {
  /** 1-based. */
  index: number;
  /** 1-based place in the whole, unsharded run. */
  position: number;
}

/** `run --shard i/n`: which part of the whole run this is (harness/shard.ts). */
export interface ShardInfo {
  /** 1-based. */
  index: number;
  count: number;
  /** Cells of the whole, unsharded run. */
  cells: number;
  /** Digest of the whole run's cells (scenario, id, expectation): the same in every shard of one run. */
  digest: string;
}

/** `merge`: the shard runs a merged run was put together from. */
export interface MergedFrom {
  count: number;
  digest: string;
  shards: MergedShard[];
}

export interface MergedShard {
  index: number;
  runId: string;
  startedAt: string;
  durationMs: number;
  cells: number;
}

export interface RunResults {
  schema: "s2s-matrix/results@1";
  harnessVersion: string;
  runId: string;
  scenarios: string[];
  isolation: "vhost" | "container";
  startedAt: string;
  durationMs: number;
  cells: CellResult[];
  /**
   * oneWay: cells whose outcome is one-way (shown apart because a one-way pair looks like it works).
   * retried: cells whose verdict needed a re-run (CellResult.retried); absent in files written before it existed.
   */
  summary: { total: number; asExpected: number; unexpected: number; errors: number; flaky: number; oneWay: number; retried?: number };
  /** A `run --shard i/n`: which part of the whole run. */
  shard?: ShardInfo;
  /** A `merge` of shard runs: which ones. */
  merged?: MergedFrom;
  /** The run stopped before every cell finished (engine lost, a server died twice, Ctrl-C, --timeout, a crash). */
  incomplete?: IncompleteRun;
  /** `run --resume`: the earlier, incomplete run whose finished cells this run kept. */
  resumed?: ResumedFrom;
  /** What the cells say in a few statements, per scenario (harness/report/findings/). */
  findings?: ScenarioFindings[];
  /** Each scenario's file and its rules' lines: `run --json` and `merge --json` name where a cell's rule is. */
  sources?: ScenarioSource[];
}

/** Where a scenario's expectations were written. */
export interface ScenarioSource {
  scenario: string;
  /** The scenario file as given on the command line. */
  file: string;
  /** 1-based line of each rule, by the source cells name it with: `expect.rules[3]` → 41. */
  lines: Record<string, number>;
}

/** What an incomplete run measured and what it did not. `cells` holds the finished ones only. */
export interface IncompleteRun {
  /** Why the run stopped, in words (the cause and its fix). */
  reason: string;
  /** The exit code the run ended with (3 environment, 4 internal error, 130/143 signal). */
  exitCode: number;
  finished: number;
  /** The cells not run (or interrupted without a verdict), in the run's order. */
  notRun: CellSpec[];
  /** cellsDigest of the whole run's cells (harness/shard.ts): what --resume checks. */
  digest: string;
}

export interface ResumedFrom {
  runId: string;
  startedAt: string;
  /** Cells kept from it. */
  cells: number;
}

/**
 * Which cells a finding speaks of: the selectors of a scenario's `expect` rule
 * (scenarios/model.ts ExpectRule), so that a finding can be written as one.
 */
export interface FindingWhen {
  initiator?: string;
  receiver?: string;
  initiatorCertificate?: ProfileName;
  receiverCertificate?: ProfileName;
  /** on: both sides on; off: at least one side off. */
  dialback?: Dialback;
  initiatorDialback?: Dialback;
  receiverDialback?: Dialback;
}

/** What the cells of a finding do: their outcome, how the initiator authenticated, the judging server's words. */
export interface FindingVerdict {
  outcome: ExpectedOutcome;
  auth?: "external" | "dialback";
  /** The reason class: a server's own verdict on a certificate or an authentication, as it logged it. */
  reason?: string;
}

/** One statement: the cells `when` selects do this, unless a later statement says otherwise. */
export interface Finding {
  when: FindingWhen;
  outcome: ExpectedOutcome;
  auth?: "external" | "dialback";
  reason?: string;
  /** The statement in words. */
  text: string;
  /** Cells it decides (no later statement matches them). */
  cells: number;
  /** It decides one cell only: an exception no short statement covers. */
  exception?: boolean;
}

/** What the cells no statement matches do. */
export interface FindingDefault {
  outcome: ExpectedOutcome;
  auth?: "external" | "dialback";
  reason?: string;
  text: string;
  cells: number;
}

/** A cell findings leave out (error, flaky: no verdict). */
export interface UndecidedCell {
  id: string;
  outcome: Outcome;
}

/** A cell no statement can tell apart from another that did otherwise (same servers and settings), with what it did. */
export interface UnexplainedCell {
  id: string;
  text: string;
}

/** What one scenario's cells say, as a default and ordered statements (a later one overrides an earlier one). */
export interface ScenarioFindings {
  scenario: string;
  /** Cells with a verdict (federates, one-way, fails) that the statements reproduce. */
  cells: number;
  default: FindingDefault;
  statements: Finding[];
  undecided: UndecidedCell[];
  unexplained: UnexplainedCell[];
}
