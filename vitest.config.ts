import { defineConfig } from "vitest/config";

// Five projects: `unit` needs no Docker and no program of weight (a shell, perl or
// openssl at most: seconds); `process` starts real programs (the CLI, vitest, Chromium,
// keytool) but no Docker (minutes: a CLI start through tsx costs about 0.6 s of CPU);
// `integration` starts real servers in Docker; `faults` (test/reliability/) does too and
// then injects a fault (a server that never answers, a signal, a kill) and mostly waits
// for it to take effect, so `npm test` runs it beside the integration project;
// `integration-beside` is integration files that npm test runs there too, after the fault
// tests, so that the two vitest processes end together.
// dist/ is the build's copy (it holds harness/images/apt-setup.int.test.ts again): never
// run twice.
const exclude = ["node_modules/**", "dist/**"];
const FAULTS = "test/reliability/**/*.int.test.ts";
// Without them the integration project ran ~80 s alone after the others had ended
// (fresh-clone proofs of 2026-12-07: 479 s against 397 s), a core idle. With the fault
// files two at a time, cli-run and package followed (npm test of 12-07 16:22: 419 s
// against 361 s). package went back when Prosody's and the c2s logins' CPU was cut: the
// integration project ended 22 s before the others (proof AI: 409 s against 432 s).
const INTEGRATION_BESIDE = ["test/upgrade-gate.int.test.ts", "test/shard.int.test.ts", "test/cli-run.int.test.ts"];

/** The projects that start servers in Docker: bounded by per-test timeouts, one file at a time. */
const withDocker = {
  testTimeout: 600_000,
  hookTimeout: 900_000,
  // Files share the engine: one at a time within a project.
  fileParallelism: false,
  globalSetup: ["test/global-setup.ts"],
  // The npm installs the tests run (the action's, the package's) take what npm's
  // cache holds without asking the registry whether it changed: the same packages
  // (the lock pins them), a few seconds less each; a cold cache still downloads.
  env: { npm_config_prefer_offline: "true" },
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.unit.test.ts"],
          exclude,
          // A bound, not a speed check: key generation on two loaded cores can take seconds.
          testTimeout: 120_000,
          // Files share one module graph per worker (import time was half of the run): a
          // test restores the timers and env it changes, and exported data is frozen.
          isolate: false,
          // vitest's default leaves a core idle; these tests only compute.
          maxWorkers: "100%",
          // Projects with different maxWorkers need their own group: unit first, then
          // process (npm test runs the two in one vitest process), then integration and faults.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "process",
          include: ["**/*.process.test.ts"],
          exclude,
          // Bounds, not speed checks: on two shared cores a CLI start can take seconds.
          testTimeout: 120_000,
          // Concurrent CLI tests each start a process: a few at a time keep them within bounds under load.
          maxConcurrency: 3,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: [...exclude, FAULTS, ...INTEGRATION_BESIDE],
          ...withDocker,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // After the integration files when one process runs both (npm run test:integration);
        // npm test runs it in the process beside them, after unit and process.
        test: {
          name: "faults",
          include: [FAULTS],
          exclude,
          ...withDocker,
          // Two at a time: these files mostly wait for a fault to take effect (alone: 191 s
          // one at a time, 104 s two at a time, the same CPU), and each labels and removes
          // only its own run's objects and images, as it must beside the integration files.
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: { name: "integration-beside", include: INTEGRATION_BESIDE, exclude, ...withDocker, sequence: { groupOrder: 4 } },
      },
    ],
  },
});
