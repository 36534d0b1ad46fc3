import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cleanEnv, ROOT } from "../helpers/child.js";

// The suite's own configuration must fail a run that leaves an unhandled rejection or an
// uncaught exception behind, even when every test passes (vitest's default; this keeps it).
describe("an unhandled error anywhere in the suite fails it", () => {
  for (const kind of ["rejection", "exception"]) {
    it(`an unhandled ${kind}`, () => {
      const run = spawnSync(
        process.execPath,
        [
          "node_modules/vitest/vitest.mjs",
          "run",
          "--config",
          "test/fixtures/unhandled/vitest.config.ts",
        ],
        { cwd: ROOT, env: cleanEnv({ LEAK_KIND: kind }), encoding: "utf8", timeout: 60_000 },
      );
      const output = run.stdout + run.stderr;
      expect(output).toContain("1 passed");
      expect(output).toMatch(new RegExp(`leaked ${kind}`));
      expect(run.status).toBe(1);
    });
  }
});
