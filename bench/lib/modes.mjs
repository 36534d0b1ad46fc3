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
    warmupMs: 300,
    durationMs: 1000,
    memory: { calls: 300_000, every: 100_000, long: { "mcpcat-otel": 1_000_000 } },
    memorySlow: { mcpcat: 200_000, sentry: 200_000 },
    burst: 20_000,
  },
  quick: {
    rounds: 3,
    warmupMs: 150,
    durationMs: 400,
    memory: { calls: 100_000, every: 50_000, long: { "mcpcat-otel": 200_000 } },
    memorySlow: { mcpcat: 50_000, sentry: 50_000 },
    burst: 20_000,
  },
  smoke: {
    rounds: 1,
    calls: 200,
    warmupCalls: 20,
    memory: { calls: 2_000, every: 1_000, long: {} },
    memorySlow: {},
    burst: 200,
  },
};

/** Calls for the memory run of `config`, in `mode`. */
export function memoryCalls(mode, config) {
  return mode.memory.long[config] ?? mode.memorySlow[config] ?? mode.memory.calls;
}

export function scenarioKey(s) {
  return `${s.transport}-c${s.concurrency}`;
}

export function scenarioLabel(s) {
  const t = s.transport === "http" ? "Streamable HTTP (stateless)" : "in-memory";
  return `${t}, ${s.concurrency === 1 ? "sequential" : `${s.concurrency} concurrent`}`;
}
