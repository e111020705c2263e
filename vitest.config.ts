import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and multi-process tests spawn children; two cores is what CI has.
    pool: "forks",
    // A throwaway PostgreSQL server for test/unit/checkpoint/postgres (skipped, saying why, without binaries).
    globalSetup: ["test/fixtures/postgres/globalSetup.ts"],
  },
});
