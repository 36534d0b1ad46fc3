import { defineConfig } from "vitest/config";

// The compatibility suite only (run it with `npm run test:compat`, which installs the fixtures
// and the Node versions first). Its spec file is not named *.test.ts, so `npm test` skips it.
export default defineConfig({
  test: {
    include: ["test/compat/**/*.spec.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
