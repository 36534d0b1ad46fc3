import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child-process fixtures and loopback servers: keep files isolated, two at a time (2 cores).
    pool: "forks",
    maxWorkers: 2,
  },
});
