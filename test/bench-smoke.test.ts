import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The benchmark is not a test (CI does not time anything), but a small run of it keeps it from
// rotting: `npm run bench -- --smoke` runs our configurations only (no peers needed), a few
// hundred calls each over in-memory and HTTP transports, and must count exactly one span per
// tools/call for each instrumented configuration and none for the uninstrumented server.

const ROOT = new URL("..", import.meta.url).pathname;
const run = promisify(execFile);

interface ScenarioResult {
  transport: string;
  concurrency: number;
  calls: number;
  produced: number;
  callsPerSec: number;
  error?: string;
}
interface SmokeResults {
  configs: string[];
  scenarios: { transport: string; concurrency: number }[];
  rawRounds: { runs: { config: string; error?: string; results?: ScenarioResult[] }[] }[];
  memory: { config: string; status: string; calls: number }[];
  export: { target: string; burst: number; delivered?: number; invalid?: number; error?: string }[];
}

let dir: string;
let results: SmokeResults;
let stdout: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  const json = join(dir, "smoke.json");
  ({ stdout } = await run(process.execPath, ["bench/run.mjs", "--smoke", `--json=${json}`], {
    cwd: ROOT,
    timeout: 170_000,
    maxBuffer: 16 * 2 ** 20,
  }));
  results = JSON.parse(readFileSync(json, "utf8")) as SmokeResults;
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("benchmark smoke (npm run bench -- --smoke)", () => {
  it("runs our three configurations, each in its own process, over four scenarios", () => {
    expect(results.configs).toEqual(["none", "bare-span", "mcpcat-otel"]);
    expect(results.scenarios).toHaveLength(4);
    const runs = results.rawRounds.flatMap((r) => r.runs);
    // The uninstrumented baseline runs twice per round (first and halfway).
    expect(runs.map((r) => r.config).sort()).toEqual(["bare-span", "mcpcat-otel", "none", "none"]);
    for (const r of runs) {
      expect(r.error, `${r.config} failed`).toBeUndefined();
      expect(r.results).toHaveLength(4);
    }
  });

  it("counts exactly one span per tools/call for instrumented servers and none without", () => {
    for (const run of results.rawRounds.flatMap((r) => r.runs)) {
      for (const s of run.results ?? []) {
        const where = `${run.config} ${s.transport} x${s.concurrency}`;
        expect(s.error, where).toBeUndefined();
        expect(s.calls, where).toBe(200);
        expect(s.callsPerSec, where).toBeGreaterThan(0);
        expect(s.produced, where).toBe(run.config === "none" ? 0 : s.calls);
      }
    }
  });

  it("measures the heap of every configuration", () => {
    expect(results.memory.map((m) => m.config)).toEqual(["none", "bare-span", "mcpcat-otel"]);
    for (const m of results.memory) {
      expect(m.status, m.config).toBe("ok");
      expect(m.calls).toBe(2000);
    }
  });

  it("delivers a whole burst through MCPCatExporter and OTLP to the loopback stand-ins", () => {
    expect(results.export.map((e) => e.target).sort()).toEqual([
      "mcpcat-exporter",
      "mcpcat-exporter-direct",
      "otlp",
      "otlp-direct",
      "raw-http",
    ]);
    for (const e of results.export) {
      expect(e.error, e.target).toBeUndefined();
      expect(e.invalid, `${e.target}: bodies the stand-in rejected`).toBe(0);
      expect(e.delivered, e.target).toBe(e.burst);
    }
  });

  it("prints the table", () => {
    expect(stdout).toContain("in-memory, sequential");
    expect(stdout).toContain("McpInstrumentation (defaults)");
    expect(stdout).toMatch(/bare span \(floor\)\s+[\d,]+\s+[+-][\d.]+/);
  });
});
