import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The figures in the README and docs/performance.md are measured by `npm run bench`, not by a
// timed test; this binds each one to the run it comes from (bench/results/results.json), so a
// new run that moves a figure fails here until the text is updated.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const readme = read("README.md");
const performance = read("docs/performance.md");

interface Stats {
  median: number;
  p25: number;
  p75: number;
}
const results = JSON.parse(read("bench/results/results.json")) as {
  paired: { pairs: { a: string; b: string; cpu: Stats }[] };
  server: Record<string, Record<string, { addedCpu: number; status: string }>>;
  memory: { config: string; calls: number; startMb: number; endMb: number }[];
  export: { target: string; perSec: number; share: number }[];
};

function pair(a: string, b: string): Stats {
  const found = results.paired.pairs.find((p) => p.a === a && p.b === b);
  expect(found, `${a} − ${b} in the paired run`).toBeDefined();
  return found!.cpu;
}
const fixed = (value: number, digits: number) => value.toFixed(digits).replace("-", "−");
const quartiles = (s: Stats) => `quartiles ${fixed(s.p25, 2)} to ${fixed(s.p75, 2)}`;
const thousands = (value: number) => Math.round(value).toLocaleString("en-US");

describe("the benchmark figures quoted in the docs are those of bench/results/results.json", () => {
  const overFloor = pair("mcpcat-otel", "bare-span");
  const beforeAfter = pair("mcpcat-otel", "mcpcat-otel-baseline");
  const metrics = pair("mcpcat-otel+metrics", "mcpcat-otel");

  it("README: the cost over a bare span, and the peers of the same run", () => {
    expect(readme).toContain(`+${fixed(overFloor.median, 1)} µs of CPU per request`);
    const memory = results.server["memory-c1"]!;
    const added = (config: string) => String(Math.round(memory[config]!.addedCpu));
    expect(readme).toContain(`McpInstrumentation added ${added("mcpcat-otel")} µs per call`);
    expect(readme).toContain(
      `Shinzo's instrumentation\n  ${added("shinzo")}, \`mcpcat\` ${added("mcpcat")} and Sentry ${added("sentry")}`,
    );
    expect(memory.traceloop!.status).toBe("broken");
  });

  it("docs/performance.md: the paired figures, memory and export", () => {
    expect(performance).toContain(
      `+${fixed(overFloor.median, 2)} µs (paired, one process; ${quartiles(overFloor)})`,
    );
    expect(performance).toContain(
      `+${fixed(beforeAfter.median, 2)} µs against the build before them`,
    );
    expect(performance).toContain(`(\`--baseline\`; ${quartiles(beforeAfter)})`);
    expect(performance).toContain(
      `+${fixed(metrics.median, 2)} µs per request with a MeterProvider`,
    );
    const long = results.memory.find((m) => m.config === "mcpcat-otel" && m.calls === 1_000_000);
    expect(long, "the 1,000,000-call memory run").toBeDefined();
    expect(performance).toContain(`${fixed(long!.startMb, 1)} → ${fixed(long!.endMb, 1)} MB`);
    const exporter = results.export.find((e) => e.target === "mcpcat-exporter-direct")!;
    const ceiling = results.export.find((e) => e.target === "raw-http")!;
    expect(exporter.share).toBe(1);
    expect(performance).toContain(`${thousands(exporter.perSec)} events/s`);
    expect(performance).toContain(`managed ${thousands(ceiling.perSec)}/s`);
  });

  it("README and docs/trust.md: the soak's heap growth, from its recorded run", () => {
    const soak = JSON.parse(read("bench/results/soak.json")) as {
      results: { name: string; requests: number; growthMB: number; perSecond: number }[];
    };
    const [memory, http] = ["in-memory", "stateless HTTP"].map((name) => {
      const run = soak.results.find((r) => r.name === name);
      expect(run, name).toBeDefined();
      return run!;
    });
    expect([memory!.requests, http!.requests]).toEqual([1_000_000, 100_000]);
    const growth = (mb: number) => `${mb >= 0 ? "+" : "−"}${Math.abs(mb).toFixed(2)} MB`;
    expect(readme).toContain(
      `heap after GC\n${growth(memory!.growthMB)} and ${growth(http!.growthMB)} from the first`,
    );
    const trust = read("docs/trust.md");
    for (const run of [memory!, http!]) {
      expect(trust).toContain(`| ${thousands(run.requests)} | ${thousands(run.perSecond)} |`);
    }
  });

  it.each([
    ["paired-refactor.txt", "| No regression from the issue-17 refactor |"],
    ["paired-final.txt", "| The final code against the build before issues 13–17 |"],
    ["paired-issues-20-23.txt", "| Issues 20–23 merged against main before them |"],
  ])("docs/performance.md: the before/after of bench/results/%s", (file, rowTitle) => {
    const run = read(`bench/results/${file}`);
    const cpu = run.slice(run.indexOf("CPU time"), run.indexOf("wall time"));
    const measured =
      /mcpcat-otel − mcpcat-otel-baseline\s+median\s+(\S+)\s+p25\s+(\S+)\s+p75\s+(\S+)/.exec(cpu);
    expect(measured, "the before/after row of the CPU table").not.toBeNull();
    const [median, p25, p75] = measured!.slice(1).map(Number) as [number, number, number];
    const line = performance.split("\n").find((l) => l.startsWith(rowTitle));
    expect(line, rowTitle).toBeDefined();
    expect(line).toContain(`${median >= 0 ? "+" : ""}${fixed(median, 2)} µs`);
    expect(line).toContain(quartiles({ median, p25, p75 }));
    expect(line).toContain(`bench/results/${file}`);
  });
});
