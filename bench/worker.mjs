// One measured process: sets up one configuration, runs the job the runner gave it (as JSON in
// argv[2]) and sends the result back over IPC (or prints it when run by hand). Writes nothing
// else to stdout.
import { CONFIGS } from "./lib/configs.mjs";
import { runExportJob } from "./lib/export.mjs";
import { runLoad } from "./lib/load.mjs";
import { connectHttp, connectInMemory } from "./lib/mcp.mjs";
import { connectHandlerV2, connectInMemoryV2 } from "./lib/mcp-v2.mjs";
import { runMemoryJob } from "./lib/memory.mjs";
import { runPairedJob } from "./lib/pair.mjs";
import { startProfiler } from "./lib/profiler.mjs";
import { percentile } from "./lib/stats.mjs";

const gc = globalThis.gc ?? (() => {});

async function runScenario(setup, scenario, job) {
  const connect =
    setup.sdk === "v2"
      ? scenario.transport === "http"
        ? connectHandlerV2
        : connectInMemoryV2
      : scenario.transport === "http"
        ? connectHttp
        : connectInMemory;
  const conn = await connect(setup.hooks);
  try {
    const load = (opts) =>
      runLoad(() => conn.call(), { concurrency: scenario.concurrency, ...opts });
    if (job.calls) await load({ calls: job.warmupCalls ?? 50 });
    else {
      const minCalls = job.warmupMinCalls?.[scenario.transport] ?? 50;
      await load({ durationMs: job.warmupMs, minCalls });
    }
    const before = await setup.count();
    gc();
    const profiler = job.profile ? await startProfiler(job.profileIntervalUs) : undefined;
    const r = job.calls
      ? await load({ calls: job.calls })
      : await load({ durationMs: job.durationMs, minCalls: job.minCalls ?? 200 });
    if (profiler)
      await profiler.stop(`${job.profile}.${scenario.transport}-c${scenario.concurrency}`, r.calls);
    const produced = (await setup.count()) - before;
    return {
      ...scenario,
      calls: r.calls,
      elapsedMs: r.elapsedMs,
      callsPerSec: (r.calls / r.elapsedMs) * 1000,
      cpuPerCall: r.cpuUs / r.calls,
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
      produced,
      unit: setup.unit,
    };
  } finally {
    await conn.close();
  }
}

async function runServerJob(job) {
  const cfg = CONFIGS[job.config];
  const setup = { sdk: cfg.sdk, ...(await cfg.setup(job)) };
  const results = [];
  for (const scenario of job.scenarios) {
    try {
      results.push(await runScenario(setup, scenario, job));
    } catch (err) {
      results.push({ ...scenario, error: String(err?.stack ?? err) });
    }
  }
  await setup.shutdown().catch(() => {});
  return { config: job.config, results };
}

async function main() {
  const job = JSON.parse(process.argv[2]);
  let out;
  try {
    if (job.kind === "server") out = await runServerJob(job);
    else if (job.kind === "memory") out = await runMemoryJob(job);
    else if (job.kind === "export") out = await runExportJob(job);
    else if (job.kind === "paired") out = await runPairedJob(job);
    else throw new Error(`unknown job kind ${job.kind}`);
  } catch (err) {
    out = { config: job.config, error: String(err?.stack ?? err) };
  }
  out.maxRssKb = process.resourceUsage().maxRSS;
  if (process.send) process.send(out, () => process.exit(0));
  else {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    process.exit(0);
  }
}

main();
