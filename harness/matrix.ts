// From prepared cells (inputs.ts: the scenario files loaded and checked) to a judged
// matrix: check that every upstream image is present, then run the cells, then
// compare with a baseline. Used by the CLI, the vitest scenario suite and the benchmark.
import type { Scenario } from "../scenarios/index.ts";
import { upstreamImage } from "./servers/catalog.ts";
import { imagePresent, pullImage } from "./docker/images.ts";
import { EnvironmentError } from "../core/errors.ts";
import { newRunId, HARNESS_VERSION } from "./docker/labels.ts";
import { entryOf, type RunServers } from "./named-servers.ts";
import { compareBaseline, type BaselineComparison } from "./report/baseline.ts";
import { resultsExitCode, summarize } from "./report/summary.ts";
import type { Baseline } from "./report/baseline-file.ts";
import type { PrepareOptions, Prepared } from "./inputs.ts";
import { runCells, type RunOptions, type RunStats } from "./run.ts";
import { cellsDigest } from "./shard.ts";
import { resumeSelection } from "./resume.ts";
import type { CellResult, CellSpec, RunResults, ScenarioSource } from "../core/types.ts";

export interface MatrixOptions extends Omit<RunOptions, "runId" | "cells" | "runServers">, PrepareOptions {
  runId?: string;
  /** Pull the images that are not present locally (upstream, published and user images) instead of stopping. */
  pull?: boolean;
  /** `--resume`: an earlier, incomplete run (checked by resume.ts); only the cells it did not finish run. */
  resume?: RunResults;
  /**
   * Called once the run starts with what an early end writes: the results of the
   * cells measured so far, marked incomplete (Ctrl-C, --timeout, exit 3, a crash).
   */
  onStart?: (snapshot: (stop: StopReason) => RunResults) => void;
}

/** Why a run ended early, and the exit code it ends with. */
export interface StopReason {
  reason: string;
  exitCode: number;
}

/** A server whose image (upstream, published or the user's own) is not present locally. */
export interface MissingImage {
  server: string;
  image: string;
  /** With --pull: why the pull failed. */
  pullError?: string;
}

/**
 * The cells' servers whose image is not present locally: upstream, published and user
 * images (Debian-built images are built on first use, so they never count). Names are
 * looked up in `servers`; without it every name is a catalog `family@version`.
 */
export async function findMissingImages(
  cells: CellSpec[],
  present: (image: string) => Promise<boolean> = imagePresent,
  servers?: RunServers,
): Promise<MissingImage[]> {
  const names = [...new Set(cells.flatMap((c) => [c.initiator.server, c.receiver.server]))];
  const missing: MissingImage[] = [];
  for (const server of names) {
    const image = upstreamImage(entryOf(server, servers));
    if (image && !(await present(image))) missing.push({ server, image });
  }
  return missing;
}

/** `--pull`: pulls each missing image once; what could not be pulled stays missing, with the registry's words. */
export async function pullMissing(missing: MissingImage[], log: (s: string) => void, pull = pullImage): Promise<MissingImage[]> {
  const byImage = new Map<string, Promise<string | undefined>>();
  for (const m of missing) {
    if (!byImage.has(m.image)) byImage.set(m.image, pull(m.image, log).then(() => undefined, (e: Error) => e.message.split("\n")[0]));
  }
  const still: MissingImage[] = [];
  for (const m of missing) {
    const pullError = await byImage.get(m.image)!;
    if (pullError !== undefined) still.push({ ...m, pullError });
  }
  return still;
}

const provideHint = (images: string[]): string =>
  `${images.map((i) => `docker pull ${i}`).join(" && ")}, or run with --pull (without registry access: docker save it elsewhere, then docker load -i <file>.tar)`;

/** Why an image is missing: not present and not pulled, or the pull's failure. */
const whyMissing = (m: MissingImage): string =>
  m.pullError !== undefined ? `could not be pulled (${m.pullError})` : "is not present locally and was not pulled (run with --pull to pull it)";

/**
 * Pure. Drops the cells that need a missing image of a server their scenario marks
 * optional (`{server: x, optional: true}`), with one notice per such server. Throws an
 * EnvironmentError (exit 3) naming every missing image a non-optional server needs, and
 * when no cell would be left to run.
 */
export function dropUnavailable(prepared: Prepared, missing: MissingImage[]): { prepared: Prepared; notices: string[] } {
  if (!missing.length) return { prepared, notices: [] };
  const imageOf = new Map(missing.map((m) => [m.server, m.image]));
  const missingOf = new Map(missing.map((m) => [m.server, m]));
  const optionalIn = (scenarioName: string, server: string): boolean => {
    const named = prepared.scenarios.filter((s) => s.name === scenarioName);
    return named.length > 0 && named.every((s) => s.servers.some((x) => x.id === server && x.optional));
  };
  const required = new Map<string, Set<string>>(); // server → scenarios that need it
  const dropped = new Map<string, number>(); // optional server → cells dropped
  const kept: CellSpec[] = [];
  for (const cell of prepared.cells) {
    const lacking = [...new Set([cell.initiator.server, cell.receiver.server])].filter((s) => imageOf.has(s));
    if (!lacking.length) {
      kept.push(cell);
      continue;
    }
    const needed = lacking.filter((s) => !optionalIn(cell.scenario, s));
    for (const s of needed) required.set(s, (required.get(s) ?? new Set()).add(cell.scenario));
    if (!needed.length) for (const s of lacking) dropped.set(s, (dropped.get(s) ?? 0) + 1);
  }
  if (required.size) {
    const lines = [...required].map(
      ([server, scenarios]) =>
        `image ${imageOf.get(server)} for ${server} ${whyMissing(missingOf.get(server)!).replace(/^is not present locally/, `is not present locally (scenario ${[...scenarios].map((n) => JSON.stringify(n)).join(", ")} needs it)`)}`,
    );
    const first = [...required.keys()][0]!;
    const named = prepared.scenarios.some((sc) => sc.servers.some((x) => x.id === first && x.named));
    throw new EnvironmentError(
      `${lines.join("\n")}\nnothing was started`,
      `${provideHint([...required.keys()].map((s) => imageOf.get(s)!))}; or mark the server optional in the scenario: ${
        named ? `add optional: true to the entry of ${first}` : `servers: [{server: ${first}, optional: true}]`
      }`,
    );
  }
  const notices = [...dropped].map(
    ([server, n]) =>
      `skipping optional ${server}: image ${imageOf.get(server)} ${missingOf.get(server)!.pullError !== undefined ? `could not be pulled (${missingOf.get(server)!.pullError})` : "is not present locally"}; dropped ${n} cell${n === 1 ? "" : "s"} (to include them: docker pull ${imageOf.get(server)})`,
  );
  if (!kept.length) {
    throw new EnvironmentError(
      `every cell needs an image that is not present locally (${missing.map((m) => `${m.server}: ${m.image}`).join(", ")}): nothing left to run, nothing was started`,
      provideHint(missing.map((m) => m.image)),
    );
  }
  return { prepared: { ...prepared, cells: kept }, notices };
}

export interface MatrixRun {
  results: RunResults;
  stats: RunStats;
  comparison?: BaselineComparison;
  exitCode: 0 | 1;
}

/** What runMatrix reaches Docker through (tests give fakes). */
export interface MatrixDeps {
  imagePresent: typeof imagePresent;
  runCells: typeof runCells;
}

export async function runMatrix(all: Prepared, opts: MatrixOptions & { baseline?: Baseline }, deps: MatrixDeps = { imagePresent, runCells }): Promise<MatrixRun> {
  const runId = opts.runId ?? newRunId();
  const log = opts.log ?? (() => {});
  // Before anything starts: every image must be present, pulled (--pull), or its server optional.
  let missing = await findMissingImages(all.cells, deps.imagePresent, all.servers);
  if (opts.pull && missing.length) missing = await pullMissing(missing, log);
  const { prepared, notices } = dropUnavailable(all, missing);
  for (const n of notices) log(n);
  const started = new Date();
  const isolation = opts.isolation ?? "vhost";
  const { kept, toRun } = opts.resume ? resumeSelection(prepared.cells, opts.resume) : { kept: [], toRun: prepared.cells };
  if (opts.resume) log(`resuming run ${opts.resume.runId}: ${kept.length} finished cell(s) kept, ${toRun.length} to run`);
  const resumed = opts.resume ? { runId: opts.resume.runId, startedAt: opts.resume.startedAt, cells: kept.length } : undefined;
  const header = { runId, scenarios: prepared.scenarios.map((s) => s.name), isolation, started, resumed, sources: prepared.scenarios.map(scenarioSource) };

  // Each cell's latest result, for a report of a run that ends early.
  const measured = new Map<CellSpec, CellResult>();
  opts.onStart?.((stop) => incompleteResults(header, prepared.cells, all.cells, keptAndMeasured(prepared.cells, kept, measured), stop));
  const { results: ran, stats } = toRun.length
    ? await deps.runCells({
        ...opts,
        runId,
        cells: toRun,
        runServers: prepared.servers,
        onCellMeasured: (r) => (measured.set(r.spec, r), opts.onCellMeasured?.(r)),
        onCellDone: (r) => (measured.set(r.spec, r), opts.onCellDone?.(r)),
      })
    : { results: [], stats: { containersStarted: 0, instances: [], timings: [] } };
  const cells = keptAndMeasured(prepared.cells, kept, new Map(ran.map((r) => [r.spec, r])));
  const results = completeResults(header, cells);
  const comparison = opts.baseline ? compareBaseline(results, opts.baseline) : undefined;
  return { results, stats, comparison, exitCode: resultsExitCode(results.summary, comparison) };
}

interface RunHeader {
  runId: string;
  scenarios: string[];
  isolation: RunResults["isolation"];
  started: Date;
  resumed?: RunResults["resumed"];
  sources?: ScenarioSource[];
}

/** Where a scenario's rules are, for the summaries that point at them. */
export const scenarioSource = (sc: Scenario): ScenarioSource => ({
  scenario: sc.name,
  file: sc.file,
  lines: Object.fromEntries(sc.expect.rules.flatMap((r) => (r.line !== undefined ? [[`expect.rules[${r.index}]`, r.line]] : []))),
});

/** The results in the run's order: kept ones (from --resume) matched by cell key, the others by spec. */
function keptAndMeasured(cells: CellSpec[], kept: CellResult[], measured: Map<CellSpec, CellResult>): CellResult[] {
  const { kept: matched } = resumeSelection(cells, { cells: kept } as RunResults);
  const keptBySpec = new Map<CellSpec, CellResult>();
  for (const r of matched) {
    const spec = cells.find((c) => c.scenario === r.spec.scenario && c.id === r.spec.id);
    if (spec) keptBySpec.set(spec, r);
  }
  return cells.flatMap((c) => {
    const r = measured.get(c) ?? keptBySpec.get(c);
    return r ? [r] : [];
  });
}

function completeResults(h: RunHeader, cells: CellResult[]): RunResults {
  return {
    schema: "s2s-matrix/results@1",
    harnessVersion: HARNESS_VERSION,
    runId: h.runId,
    scenarios: h.scenarios,
    isolation: h.isolation,
    startedAt: h.started.toISOString(),
    durationMs: Date.now() - h.started.getTime(),
    cells,
    summary: summarize(cells),
    ...(h.resumed ? { resumed: h.resumed } : {}),
    ...(h.sources ? { sources: h.sources } : {}),
  };
}

/**
 * Pure but for the clock: the results of a run that ended early. `cells` holds what
 * finished; every other cell of the run is listed as not run, with why the run stopped.
 * `whole` (before optional servers were dropped) identifies the run for --resume.
 */
export function incompleteResults(h: RunHeader, runCells: CellSpec[], whole: CellSpec[], done: CellResult[], stop: StopReason): RunResults {
  const have = new Set(done.map((r) => `${r.spec.scenario}\u0000${r.spec.id}`));
  const notRun = runCells.filter((c) => !have.has(`${c.scenario}\u0000${c.id}`));
  return {
    ...completeResults(h, done),
    incomplete: { reason: stop.reason, exitCode: stop.exitCode, finished: done.length, notRun, digest: cellsDigest(whole) },
  };
}
