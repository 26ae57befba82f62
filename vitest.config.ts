import { defineConfig } from "vitest/config";

// Three projects: `unit` needs no Docker and no program of weight (a shell, perl or
// openssl at most: seconds); `process` starts real programs (the CLI, vitest, Chromium,
// keytool) but no Docker (minutes: a CLI start through tsx costs about a second of CPU);
// `integration` starts real servers in Docker and is bounded by per-test timeouts.
// dist/ is the build's copy (it holds harness/images/apt-setup.int.test.ts again): never
// run twice.
const exclude = ["node_modules/**", "dist/**"];

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
          // process (npm test runs the two in one vitest process), integration last.
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
          exclude,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ["test/global-setup.ts"],
          sequence: { groupOrder: 2 },
          // The npm installs the tests run (the action's, the package's) take what npm's
          // cache holds without asking the registry whether it changed: the same packages
          // (the lock pins them), a few seconds less each; a cold cache still downloads.
          env: { npm_config_prefer_offline: "true" },
        },
      },
    ],
  },
});
