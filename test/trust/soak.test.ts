import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cleanEnv, ROOT } from "../helpers/child.js";

// A reduced run of `npm run soak` (bench/soak.mjs, which runs 1,000,000 in-memory and 100,000
// HTTP requests): the heap, sampled after full GCs, must show no growth.
describe("soak (reduced)", () => {
  it("in-memory and stateless HTTP: no heap growth between the first and last thirds", () => {
    const run = spawnSync(
      process.execPath,
      ["--expose-gc", "bench/soak.mjs", "--memory=12000", "--http=1200", "--samples=12", "--json"],
      { cwd: ROOT, env: cleanEnv({}), encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop()!);
    expect(summary.results.map((r: { name: string }) => r.name)).toEqual([
      "in-memory",
      "stateless HTTP",
    ]);
    expect(summary.exported).toBeGreaterThan(12_000 + 1200);
    for (const result of summary.results) {
      expect(result.samples).toBeGreaterThanOrEqual(10);
      expect(result.growthMB, result.name).toBeLessThan(3);
    }
  }, 150_000);
});
