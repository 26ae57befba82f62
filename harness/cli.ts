// `s2s-matrix`: run a matrix, mint a certificate, list servers, clean up.
// Exit codes: 0 as expected, 1 unexpected cell or regression, 2 bad input, 3 environment,
// 4 internal error (a bug in s2s-matrix).
import { Command, InvalidArgumentError } from "commander";
import { HARNESS_VERSION, newRunId } from "./docker/labels.ts";
import { EXIT, UsageError } from "../core/errors.ts";
import { formatDuration, parseDuration } from "./docker/deadline.ts";
import { join } from "node:path";
import { ciSafeWriter } from "./ci-output.ts";
import type { CellResult, RunResults } from "../core/types.ts";
import type { StopReason } from "./matrix.ts";
// Everything else is imported by the command that needs it: `--version` and `--help`
// then start without loading Docker, the CA or the probe (see README "The npm package").
let cleanupModule: Promise<typeof import("./docker/cleanup.ts")> | undefined;
const lazy = {
  ca: () => import("../ca/index.ts"),
  catalog: () => import("./servers/catalog.ts"),
  cleanup: () => (cleanupModule ??= import("./docker/cleanup.ts")),
  client: () => import("./docker/client.ts"),
  provision: () => import("./docker/provision.ts"),
  images: () => import("./docker/images.ts"),
  inputs: () => import("./inputs.ts"),
  matrix: () => import("./matrix.ts"),
  progress: () => import("./report/progress.ts"),
  write: () => import("./report/write.ts"),
  baseline: () => import("./report/baseline.ts"),
  baselineFile: () => import("./report/baseline-file.ts"),
  summary: () => import("./report/summary.ts"),
  shard: () => import("./shard.ts"),
  merge: () => import("./merge.ts"),
  resume: () => import("./resume.ts"),
  expectations: () => import("./expectations.ts"),
  site: () => import("./site/build.ts"),
};

// The one way out: under GitHub Actions no line the CLI writes can be a workflow command (ci-output.ts).
const errRaw = ciSafeWriter(process.stderr);
const outRaw = ciSafeWriter(process.stdout);
const err = (s: string): void => errRaw(s.endsWith("\n") ? s : s + "\n");
const out = (s: string): void => outRaw(s.endsWith("\n") ? s : s + "\n");

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
};
const duration = (v: string) => {
  const ms = parseDuration(v);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 90s, 20m, 1h or 1h30m (plain numbers are seconds)");
  return ms;
};
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
/** --only: commas inside [...] are part of a cell id ("a → b [dual-eku, dialback on]"), not separators. */
const onlyList = (v: string, prev: string[] = []) => [...prev, ...v.split(/,(?![^[\]]*\])/).map((s) => s.trim()).filter(Boolean)];

const program = new Command()
  .name("s2s-matrix")
  .description("Which XMPP server-to-server federation pairs work, on real servers with real TLS.")
  .version(HARNESS_VERSION)
  .showHelpAfterError()
  .configureOutput({ writeOut: outRaw, writeErr: errRaw })
  .exitOverride();

program
  .command("run")
  .description("run scenario files on real servers and write the compatibility matrix")
  .argument("<scenario...>", "scenario YAML files (see scenarios/)")
  .option("-o, --out <dir>", "report directory", "s2s-matrix-report")
  .option("--only <text>", "keep only cells whose id contains the text (repeatable, comma-separated; a comma inside [...] belongs to the id)", onlyList)
  .option("--baseline <file>", "fail (exit 1) on a cell that federated in this earlier run and no longer does (its baseline.jsonl, or its results.json)")
  .option("--servers <list>", "extra servers added to every scenario (comma-separated): ejabberd@26.07; ours=ejabberd@26.07 to name one; ours=prosody@image:registry.example/prosody:pr-42 for an image of your own", list)
  .option("--pull", "pull images that are not present locally (upstream, published releases, your own image:) instead of stopping with exit 3")
  .option("--isolation <mode>", "vhost: one container per server version, fresh virtual hosts per cell; container: fresh containers per cell", "vhost")
  .option("--concurrency <n>", "cells probed at once (default 8 × CPUs, at most 32)", positiveInt)
  .option("--no-retry", "do not re-run unexpected cells to detect flakiness")
  .option("--capture", "put a TLS-intercepting relay between the servers and record each s2s negotiation decrypted (shown per cell)")
  .option("--keep", "keep the run's CA and leaf keys in a private temporary directory (printed); by default no key is written to disk")
  .option("--shard <i/n>", "run only the i-th of n parts of the cells (cells of one server pair stay together); combine the parts with s2s-matrix merge")
  .option("--list", "print the cells and server containers the run (or --shard) would start, and exit without Docker")
  .option("--no-install-docker", "where no container engine answers, exit 3 instead of installing one (Debian as root; also S2S_MATRIX_INSTALL_DOCKER=0)")
  .option("--json", "print the run's summary (counts, unexpected cells and regressions with file and line, report paths) as JSON on stdout")
  .option("--timeout <duration>", "stop the whole run after this long (e.g. 90s, 20m, 1h): exit 3, everything removed, reports of the finished cells written (marked incomplete)", duration)
  .option("--resume <results.json>", "run only the cells this earlier, incomplete run (engine lost, Ctrl-C, --timeout, exit 3) did not finish, then write the whole matrix as one run")
  .option("--update-expectations", "write the expect: block this run's cells meet into each scenario file in place of its own (everything else kept byte for byte) and print the diff")
  .action(async (files: string[], o) => {
    if (o.updateExpectations && (o.only || o.shard || o.servers || o.list)) {
      throw new UsageError("--update-expectations writes what the whole scenario did: leave out --only, --shard, --servers and --list");
    }
    const t0 = Date.now();
    if (o.isolation !== "vhost" && o.isolation !== "container") {
      throw new UsageError(`--isolation ${JSON.stringify(o.isolation)}: allowed values are vhost, container`);
    }
    // The input first, with only what reads it: a mistake is answered before Docker, the CA or the runner load.
    const [{ prepare, loadBaseline }, { describeRun, parseShard, selectShard, stampShard }, { loadResume }] = await Promise.all([lazy.inputs(), lazy.shard(), lazy.resume()]);
    const whole = await prepare({ scenarioFiles: files, only: o.only, servers: o.servers });
    const shard = o.shard ? selectShard(whole.cells, parseShard(o.shard), o.isolation) : undefined;
    if (o.list) return out(describeRun(whole.cells, o.isolation, shard));
    const prepared = shard ? { ...whole, cells: shard.shard.cells } : whole;
    if (o.resume && shard) throw new UsageError("--resume and --shard do not combine: resume the whole run's results.json, or run the shard again");
    const resume = o.resume ? await loadResume(o.resume, { scenarios: whole.scenarios.map((s) => s.name), cells: whole.cells, isolation: o.isolation }) : undefined;
    // Whether the baseline can be compared at all is a question about the whole run, not one shard.
    let baseline = o.baseline ? await loadBaseline(o.baseline, { cells: whole.cells, only: o.only }) : undefined;
    if (baseline && shard) {
      // A shard answers for its own cells only: the others are not "missing" from it.
      const mine = new Set(prepared.cells.map((c) => c.id));
      baseline = { ...baseline, cells: baseline.cells.filter((c) => mine.has(c.key)) };
    }
    const [{ runMatrix }, { dockerOrInstall }, { cleanupOnExit, stopInProgress }, { createProgress }, { prepareOutDir, writeReports, writeReportsSync }, { renderBaselineMarkdown }, { newKeysDir }] =
      await Promise.all([lazy.matrix(), lazy.provision(), lazy.cleanup(), lazy.progress(), lazy.write(), lazy.baseline(), lazy.ca()]);
    await dockerOrInstall(err, o.installDocker); // or exit 3 with the fix before anything else happens
    await prepareOutDir(o.out);
    const runId = newRunId();
    const keepKeysDir = o.keep ? await newKeysDir(runId) : undefined;
    const tty = !!process.stderr.isTTY && !process.env.CI;
    const progress = createProgress({ total: prepared.cells.length, tty, write: errRaw, columns: process.stderr.columns });
    const finished: CellResult[] = [];
    // --timeout counts from the command's start; what finished before it expires is named.
    const deadline = o.timeout
      ? {
          ms: Math.max(1, o.timeout - (Date.now() - t0)),
          why: `the run's --timeout of ${formatDuration(o.timeout)} expired`,
          onExpiry: () => {
            progress.finish();
            err(`${finished.length} of ${prepared.cells.length} cells finished before the timeout${finished.length ? ":" : ""}`);
            for (const r of finished) err(`  ${r.spec.id}: ${r.outcome}${r.asExpected ? "" : ` (unexpected: ${r.mismatch})`}`);
          },
        }
      : undefined;
    // A run that ends early (a signal, --timeout, exit 3, a crash) still writes what it measured, marked incomplete.
    let snapshot: ((stop: StopReason) => RunResults) | undefined;
    const writeIncomplete = (stop: StopReason) => {
      if (!snapshot) return;
      progress.finish();
      let results = snapshot(stop);
      if (shard) results = stampShard(results, shard);
      const { files: written } = writeReportsSync(o.out, results, baseline);
      const i = results.incomplete!;
      err(`incomplete reports (${i.finished} of ${i.finished + i.notRun.length} cells finished, ${i.notRun.length} not run): ${written.join(", ")}`);
      if (i.notRun.length) err(`  to run the rest: s2s-matrix run ${files.join(" ")} … --resume ${join(o.out, "results.json")}`);
      snapshot = undefined;
    };
    const uninstall = cleanupOnExit(runId, err, deadline, (code, why) => writeIncomplete({ reason: why, exitCode: code }));
    const part = shard ? `shard ${shard.spec.index}/${shard.spec.count}: ${prepared.cells.length} of ${whole.cells.length} cells` : `${prepared.cells.length} cells`;
    err(`s2s-matrix ${HARNESS_VERSION}: run ${runId}, ${part} from ${files.join(", ")}`);
    try {
      const run = await runMatrix(prepared, {
        scenarioFiles: files,
        runId,
        baseline,
        isolation: o.isolation,
        concurrency: o.concurrency,
        retryUnexpected: o.retry,
        keepKeysDir,
        capture: !!o.capture,
        pull: !!o.pull,
        resume,
        onStart: (s) => (snapshot = s),
        log: (s) => err(tty ? `\r\x1b[2K${s}` : s),
        onCellStart: (c) => progress.start(c.id),
        onCellDone: (r) => (finished.push(r), progress.done(r)),
      });
      progress.finish();
      if (shard) run.results = stampShard(run.results, shard);
      const { files: written } = await writeReports(o.out, run.results, baseline);
      const s = run.results.summary;
      err(`${s.total} cells: ${s.oneWay ? `${s.oneWay} one-way, ` : ""}${s.asExpected} as expected, ${s.unexpected} unexpected (${s.errors} error, ${s.flaky} flaky) in ${(run.results.durationMs / 1000).toFixed(1)} s`);
      for (const c of run.results.cells.filter((c) => !c.asExpected)) err(`  unexpected: ${c.spec.id}: ${c.mismatch}`);
      if (run.comparison) err(renderBaselineMarkdown(run.comparison));
      err(`reports: ${written.join(", ")}`);
      if (keepKeysDir) err(`keys kept (--keep) in ${keepKeysDir}: delete it when done`);
      if (o.updateExpectations && !run.results.incomplete) {
        const { updateExpectations } = await lazy.expectations();
        const findings = run.results.findings ?? (await import("./report/findings/derive.ts")).deriveFindings(run.results);
        let undecided = 0;
        for (const scenario of prepared.scenarios) {
          const f = findings.find((x) => x.scenario === scenario.name);
          if (!f) continue;
          const u = await updateExpectations(scenario.file, f);
          (o.json ? err : out)(u.diff || `${scenario.file}: expect: block unchanged`);
          undecided += f.undecided.length;
          if (f.undecided.length) err(`${scenario.file}: ${f.undecided.length} cells without a verdict (error, flaky) are not covered: run again to decide them`);
        }
        // The block now expects what ran: the unexpected cells were the old block's. A regression
        // against --baseline, or a cell without a verdict, still fails the run.
        if (run.exitCode === 1 && !run.comparison?.regressions.length && !undecided) run.exitCode = 0;
      }
      if (o.json) out(JSON.stringify((await lazy.summary()).runSummary(run.results, written, run.exitCode, run.comparison), null, 2));
      process.exitCode = run.exitCode;
    } catch (e) {
      // A signal's handler writes the reports itself, with the signal as the reason.
      if (!stopInProgress()) writeIncomplete({ reason: (e as Error)?.message ?? String(e), exitCode: exitCodeOf(e) });
      throw e;
    } finally {
      uninstall();
    }
  });

program
  .command("expect")
  .description("print the expect: block (scenario syntax) that the cells of a results.json meet: its findings as rules, each under a comment in words")
  .argument("<results.json>", "results.json of a run")
  .action(async (file: string) => {
    const { expectBlocks, readRunResults } = await lazy.expectations();
    out(expectBlocks(await readRunResults(file)).trimEnd());
  });

program
  .command("merge")
  .description("merge the results.json of every shard of a run (run --shard i/n) into the reports of one run")
  .argument("<results...>", "results.json of each shard, e.g. shard-*/results.json")
  .option("-o, --out <dir>", "report directory", "s2s-matrix-report")
  .option("--baseline <file>", "fail (exit 1) on a cell that federated in this earlier run and no longer does (its baseline.jsonl or results.json)")
  .option("--json", "print the merged run's summary as JSON on stdout, the same object as run --json")
  .action(async (files: string[], o) => {
    const [{ mergeShards, readShardResults }, { loadBaseline }, { compareBaseline, renderBaselineMarkdown }, { writeReports }, { resultsExitCode, runSummary }] = await Promise.all([lazy.merge(), lazy.inputs(), lazy.baseline(), lazy.write(), lazy.summary()]);
    const shards = await Promise.all(files.map(readShardResults));
    const results = mergeShards(shards, newRunId());
    const baseline = o.baseline ? await loadBaseline(o.baseline, { cells: results.cells.map((c) => c.spec) }) : undefined;
    const comparison = baseline ? compareBaseline(results, baseline) : undefined;
    const { files: written } = await writeReports(o.out, results, baseline);
    const s = results.summary;
    err(`merged ${files.length} shards: ${s.total} cells: ${s.oneWay ? `${s.oneWay} one-way, ` : ""}${s.asExpected} as expected, ${s.unexpected} unexpected (${s.errors} error, ${s.flaky} flaky)`);
    for (const c of results.cells.filter((c) => !c.asExpected)) err(`  unexpected: ${c.spec.id}: ${c.mismatch}`);
    if (comparison) err(renderBaselineMarkdown(comparison));
    err(`reports: ${written.join(", ")}`);
    process.exitCode = resultsExitCode(s, comparison);
    if (o.json) out(JSON.stringify(runSummary(results, written, process.exitCode, comparison), null, 2));
  });

program
  .command("baseline")
  .description("write the baseline to commit for the upgrade gate: one sorted line per cell (outcome, auth, reason), for --baseline")
  .argument("<results.json>", "results.json of a complete run (or a baseline.jsonl, checked and sorted again)")
  .option("-o, --out <file>", "file to write, e.g. baseline.jsonl (default: standard output)")
  .action(async (file: string, o) => {
    const [{ baselineOfFile }, { renderBaseline }] = await Promise.all([lazy.inputs(), lazy.baselineFile()]);
    const baseline = await baselineOfFile(file);
    const text = renderBaseline(baseline);
    if (!o.out) return outRaw(text);
    await (await import("node:fs/promises")).writeFile(o.out, text, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`baseline -o ${o.out}: cannot be written (${e.code ?? e.message}); give a file path in a directory you can write`);
    });
    err(`baseline: ${baseline.cells.length} cells, ${Buffer.byteLength(text)} bytes, written to ${o.out}`);
  });

program
  .command("site")
  .description("build a static compatibility site (overview, a page per server version, history, badges, JSON) from results.json of one or more runs")
  .argument("<results...>", "results.json of each run; older runs of the same scenarios become the history")
  .option("-o, --out <dir>", "site directory", "site")
  .action(async (files: string[], o) => {
    const { files: n, bytes } = await (await lazy.site()).buildSite(files, o.out);
    err(`site: ${n} files (${(bytes / 1e6).toFixed(2)} MB) in ${o.out}; open ${join(o.out, "index.html")}`);
  });

program
  .command("cert")
  .description("mint a test certificate with a named profile (and a fresh private CA) into a directory")
  .option("--profile <name>", "certificate profile (see --list-profiles)")
  .option("--domain <domain>", "XMPP domain under .example, e.g. a.example")
  .option("--out <dir>", "directory for <domain>.crt, <domain>.key, <domain>.fullchain.pem, ca.crt")
  .option("--key-type <type>", "rsa (default) or ec: the CA's key, and the leaf's where the profile does not fix it (le-*: ec, rsa-classic: rsa)")
  .option("--intermediate", "issue through an intermediate CA (chain depth 2)")
  .option("--list-profiles", "list the profiles and what each means")
  .action(async (o) => (await lazy.ca()).certCommand(o, out));

program
  .command("servers")
  .description("list the servers s2s-matrix knows, where each image comes from, and whether it is present locally")
  .action(async () => {
    const [{ CATALOG, PUBLISHED, serverKey, adapterFor }, { docker }, { imagePresent, imageTag }] = await Promise.all([lazy.catalog(), lazy.client(), lazy.images()]);
    const dockerOk = await docker().then(() => true, () => false);
    for (const e of CATALOG) {
      const tag = imageTag(e, adapterFor(e.family));
      // Debian images are built on first use; upstream ones are pulled only with run --pull.
      const state = !dockerOk
        ? "(docker unavailable)"
        : (await imagePresent(tag))
          ? "(present)"
          : e.source.kind === "debian"
            ? "(built on first use)"
            : `missing (docker pull ${tag}, or run --pull)`;
      const source = e.source.kind === "debian" ? `debian ${e.source.suite} package ${e.source.package} ${e.source.packageVersion}` : "upstream image";
      out(`${serverKey(e).padEnd(18)} ${source.padEnd(52)} ${tag} ${state}`);
    }
    for (const [family, p] of Object.entries(PUBLISHED)) {
      err(`${family}@<version>: any other ${family} release runs the project's published image ${p.image("<version>")}`);
    }
    if (CATALOG.some((e) => e.source.kind === "upstream")) {
      err("upstream images are used when present locally and pulled only with run --pull; a scenario can mark such a server optional: {server: family@version, optional: true}");
    }
  });

program
  .command("clean")
  .description("remove containers and networks of dead s2s-matrix runs (only objects labelled s2s-matrix.run)")
  .option("--all", "also remove those of runs that are still alive")
  .action(async (o) => {
    const { describeRemoved, removeAllRuns, removeDeadRuns } = await lazy.cleanup();
    out(describeRemoved(o.all ? await removeAllRuns() : await removeDeadRuns()));
  });

/** Exit code of an error: 2 and 3 are the user's to fix; anything else is a bug in s2s-matrix. */
const exitCodeOf = (e: unknown): number => {
  const code = (e as { exitCode?: number }).exitCode;
  return code === EXIT.usage || code === EXIT.environment ? code : EXIT.internal;
};

try {
  // Bare `s2s-matrix`: what it can do, as for any usage error.
  if (process.argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exit(EXIT.usage);
  }
  await program.parseAsync(process.argv);
} catch (e) {
  const commanderCode = (e as { code?: string }).code;
  if (commanderCode?.startsWith("commander.")) {
    // help and version exit 0; a bad flag is a usage error
    process.exit(commanderCode === "commander.helpDisplayed" || commanderCode === "commander.version" || commanderCode === "commander.help" ? 0 : EXIT.usage);
  }
  // A signal's handler is removing the run: the run failing under it (its
  // containers vanish) must not exit first, with another code, mid-removal.
  // (Only a command that loaded cleanup.ts can have a removal under way: a bad input never loads it.)
  if (cleanupModule && (await cleanupModule).stopInProgress()) await new Promise(() => {});
  const code = exitCodeOf(e);
  if (code === EXIT.internal) {
    err(`s2s-matrix: internal error (a bug in s2s-matrix ${HARNESS_VERSION}; please report it with this output):\n${(e as Error)?.stack ?? String(e)}`);
  } else {
    err(`s2s-matrix: ${(e as Error).message}`);
  }
  if (process.argv.includes("--json")) out(JSON.stringify({ schema: "s2s-matrix/summary@1", exitCode: code, error: (e as Error)?.message ?? String(e) }, null, 2));
  process.exit(code);
}
