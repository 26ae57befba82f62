import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node (seconds); `integration` starts real
// servers in Docker and is bounded by per-test timeouts. dist/ is the build's copy (it
// holds harness/images/apt-setup.int.test.ts again): never run twice.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.unit.test.ts"],
          exclude: ["node_modules/**", "dist/**"],
          // Bounds, not speed checks: on two shared cores a CLI start can take seconds.
          testTimeout: 120_000,
          // Concurrent CLI tests each start a process: a few at a time keep them within bounds under load.
          maxConcurrency: 3,
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: ["node_modules/**", "dist/**"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ["test/global-setup.ts"],
        },
      },
    ],
  },
});
