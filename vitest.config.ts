import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node (seconds); `integration` starts real
// servers in Docker and is bounded by per-test timeouts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.unit.test.ts"],
          exclude: ["node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: ["node_modules/**"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ["test/global-setup.ts"],
        },
      },
    ],
  },
});
