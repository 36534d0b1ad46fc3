// Run sizes. `full` is what bench/RESULTS.md comes from; `quick` for a look while working;
// `smoke` is what the test suite runs (our configurations only, fixed call counts, no timing).

export const SCENARIOS = [
  { transport: "memory", concurrency: 1 },
  { transport: "memory", concurrency: 16 },
  { transport: "http", concurrency: 1 },
  { transport: "http", concurrency: 16 },
];

export const MODES = {
  full: {
    rounds: 5,
    // Warm-up is by time and by calls: the optimizing compiler needs thousands of calls.
    warmupMs: 500,
    warmupMinCalls: { memory: 5000, http: 200 },
    durationMs: 800,
    paired: { blocks: 40, calls: 2000 },
    memory: { calls: 200_000, long: { "mcpcat-otel": 1_000_000 } },
    memorySlow: { mcpcat: 100_000, sentry: 100_000 },
    burst: 20_000,
  },
  quick: {
    rounds: 3,
    warmupMs: 300,
    warmupMinCalls: { memory: 3000, http: 100 },
    durationMs: 500,
    paired: { blocks: 15, calls: 1000 },
    memory: { calls: 100_000, long: { "mcpcat-otel": 200_000 } },
    memorySlow: { mcpcat: 40_000, sentry: 40_000 },
    burst: 20_000,
  },
  smoke: {
    rounds: 1,
    calls: 200,
    warmupCalls: 20,
    paired: { blocks: 2, calls: 100 },
    memory: { calls: 2_000, long: {} },
    memorySlow: {},
    burst: 200,
  },
};

/** Calls for the memory run of `config`, in `mode`, and the checkpoint interval. */
export function memoryCalls(mode, config) {
  const calls = mode.memory.long[config] ?? mode.memorySlow[config] ?? mode.memory.calls;
  return { calls, every: Math.min(100_000, Math.ceil(calls / 4)) };
}

export function scenarioKey(s) {
  return `${s.transport}-c${s.concurrency}`;
}

export function scenarioLabel(s) {
  const t = s.transport === "http" ? "Streamable HTTP (stateless)" : "in-memory";
  return `${t}, ${s.concurrency === 1 ? "sequential" : `${s.concurrency} concurrent`}`;
}
