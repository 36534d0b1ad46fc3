// Load loops: `concurrency` callers, each awaiting one call at a time.
//
// After every call a caller yields one `setImmediate` turn, outside its latency timer but
// inside the elapsed time: the in-memory transport is synchronous, so without the yield a loop
// of awaited calls never lets timers or I/O run, and whatever an instrumentation defers
// (batching, export) would escape the measurement.

const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs calls until `durationMs` has passed and at least `minCalls` are done, or exactly
 * `calls` calls when that is given. Returns the count, the elapsed milliseconds, the CPU time
 * the process used meanwhile (all threads, in microseconds) and every call's latency in µs.
 */
export async function runLoad(call, { concurrency = 1, durationMs = 1000, minCalls = 1, calls }) {
  const latencies = [];
  let started = 0;
  const fixed = typeof calls === "number";
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const more = () =>
    fixed ? started < calls : latencies.length < minCalls || performance.now() < deadline;

  async function caller() {
    while (more()) {
      started++;
      const a = performance.now();
      await call();
      latencies.push((performance.now() - a) * 1000);
      await yieldTurn();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { calls: latencies.length, elapsedMs, cpuUs: cpu.user + cpu.system, latencies };
}

/** Runs `calls` calls one after another (with the yield), for warm-up and memory runs. */
export async function runCalls(call, calls) {
  for (let i = 0; i < calls; i++) {
    await call();
    await yieldTurn();
  }
}
