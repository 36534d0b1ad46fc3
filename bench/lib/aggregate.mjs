// Turns the raw per-process results into per-configuration figures: medians over rounds of
// each round's own comparison with that round's uninstrumented runs.
import { scenarioKey } from "./modes.mjs";
import { addedMicros, median, slope } from "./stats.mjs";

/** rounds: [{ runs: [{ config, results, error }] }] -> { [scenarioKey]: { [config]: row } } */
export function aggregateServer(rounds, scenarios, configs, baselineOf = () => "none") {
  const out = {};
  for (const scenario of scenarios) {
    const key = scenarioKey(scenario);
    const rows = {};
    const perRound = rounds.map((round) => {
      const byConfig = {};
      for (const run of round.runs) {
        const r = run.results?.find((x) => scenarioKey(x) === key);
        if (!byConfig[run.config]) byConfig[run.config] = [];
        byConfig[run.config].push(r ?? { error: run.error ?? "no result" });
      }
      return byConfig;
    });
    for (const config of configs) {
      const samples = [];
      const errors = [];
      for (const byConfig of perRound) {
        const base = (byConfig[baselineOf(config)] ?? []).filter((r) => r.callsPerSec > 0);
        const baseCps = base.length
          ? base.length / base.reduce((a, r) => a + 1 / r.callsPerSec, 0) // harmonic mean
          : Number.NaN;
        const baseCpu = base.length
          ? base.reduce((a, r) => a + r.cpuPerCall, 0) / base.length
          : Number.NaN;
        const bare = (byConfig["bare-span"] ?? []).find((r) => r.callsPerSec > 0);
        for (const r of byConfig[config] ?? []) {
          if (r.error) {
            errors.push(r.error);
            continue;
          }
          const added = addedMicros(r.callsPerSec, baseCps);
          const addedCpu = r.cpuPerCall - baseCpu;
          samples.push({
            ...r,
            added,
            addedCpu,
            ratio: r.callsPerSec / baseCps,
            overBare: bare ? added - addedMicros(bare.callsPerSec, baseCps) : Number.NaN,
            overBareCpu: bare ? r.cpuPerCall - bare.cpuPerCall : Number.NaN,
          });
        }
      }
      const calls = samples.reduce((a, s) => a + s.calls, 0);
      const produced = samples.reduce((a, s) => a + s.produced, 0);
      const perCall = calls ? produced / calls : Number.NaN;
      const unit = samples[0]?.unit ?? "spans";
      let status = "ok";
      if (!samples.length) status = "failed";
      else if (baselineOf(config) !== config && config !== "none" && produced === 0)
        status = "broken";
      else if (baselineOf(config) !== config && config !== "none" && perCall < 0.99)
        status = "lossy";
      rows[config] = {
        config,
        rounds: samples.length,
        callsPerSec: median(samples.map((s) => s.callsPerSec)),
        added: config === "none" ? 0 : median(samples.map((s) => s.added)),
        addedSamples: samples.map((s) => s.added),
        cpuPerCall: median(samples.map((s) => s.cpuPerCall)),
        addedCpu: config === "none" ? 0 : median(samples.map((s) => s.addedCpu)),
        addedCpuSamples: samples.map((s) => s.addedCpu),
        overBareCpu: median(samples.map((s) => s.overBareCpu)),
        ratio: median(samples.map((s) => s.ratio)),
        overBare: median(samples.map((s) => s.overBare)),
        p50: median(samples.map((s) => s.p50)),
        p99: median(samples.map((s) => s.p99)),
        perCall,
        unit,
        status,
        error: errors[0],
      };
    }
    out[key] = rows;
  }
  return out;
}

/** Heap figures of one memory run: growth per 100,000 calls and over the whole run. */
export function aggregateMemory(result) {
  const cps = result.checkpoints ?? [];
  if (cps.length < 2) return { ...result, status: "failed" };
  const mb = (b) => b / 2 ** 20;
  const tail = cps.slice(1); // from the first checkpoint after warm-up on
  const perHundredK =
    tail.length >= 2
      ? slope(
          tail.map((c) => c.calls / 1e5),
          tail.map((c) => mb(c.heapUsed)),
        )
      : mb(cps[1].heapUsed - cps[0].heapUsed) / (cps[1].calls / 1e5);
  const calls = cps.at(-1).calls;
  const last = cps.at(-1);
  return {
    config: result.config,
    calls,
    startMb: mb(cps[0].heapUsed),
    endMb: mb(last.heapUsed),
    heapMb: cps.map((c) => mb(c.heapUsed)),
    slopeMbPer100k: perHundredK,
    growthMb: mb(last.heapUsed - cps[0].heapUsed),
    // A trend: growth that, extrapolated to 1,000,000 calls, exceeds 2 MB.
    trend: perHundredK * 10 > 2,
    usPerCall: (result.elapsedMs * 1000) / calls,
    maxRssMb: result.maxRssKb / 1024,
    status: result.error ? "failed" : "ok",
    error: result.error,
  };
}
