// Export: a burst of tools/call requests through an instrumented in-memory server, then how
// many of them reach the loopback stand-in, how fast, and the process's peak RSS meanwhile.
//   target "mcpcat-exporter": McpInstrumentation -> BatchSpanProcessor -> MCPCatExporter
//   target "otlp":            McpInstrumentation -> BatchSpanProcessor -> OTLPTraceExporter
//   target "mcpcat":          mcpcat's track() and its own event queue
// Every setting is the default. Delivery runs while the burst is still being produced, as it
// would in a server; the rate is delivered / (last delivery - burst start).
import { CONFIGS, importPackage, packageHas } from "./configs.mjs";
import { runCalls } from "./load.mjs";
import { connectInMemory } from "./mcp.mjs";
import { fetchStats, wallNow } from "./standins.mjs";

async function makeExporter(target, base) {
  if (target === "mcpcat-exporter") {
    const { MCPCatExporter } = await importPackage();
    return new MCPCatExporter({ projectId: "proj_bench", apiBaseUrl: base });
  }
  if (target === "otlp") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter({ url: `${base}/v1/traces` });
  }
  return undefined;
}

/** How many tools/call events/spans the stand-in has, once its count has stopped moving. */
async function settledDelivered(job, expected, quietMs, maxMs) {
  const field = job.target === "otlp" ? (s) => s.toolSpans : (s) => s.eventTypes["mcp:tools/call"];
  const end = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const stats = await fetchStats(job.standinUrl, job.runId);
    const n = field(stats) ?? 0;
    if (n >= expected) return { delivered: n, stats };
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs || Date.now() > end) {
      return { delivered: n, stats };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** job: { target, burst, standinUrl, runId, settleMs?, maxWaitMs? } */
export async function runExportJob(job) {
  const base = `${job.standinUrl}/r/${job.runId}`;
  const exporter = await makeExporter(job.target, base);
  let source = "mcpcat";
  if (exporter) source = (await packageHas("McpInstrumentation")) ? "mcpcat-otel" : "bare-span";
  const setup = await CONFIGS[source].setup({ ...job, exporter });
  const conn = await connectInMemory(setup.hooks);
  // Let the handshake's own events/spans go first, so that the burst is measured alone.
  await new Promise((resolve) => setTimeout(resolve, 300));

  let peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const start = wallNow();
  await runCalls(() => conn.call(), job.burst);
  const producedMs = wallNow() - start;
  if (job.target !== "mcpcat") {
    // A server that is shutting down would do this; it must not reject.
    await setup.provider.forceFlush().catch(() => {});
  }
  const { delivered, stats } = await settledDelivered(
    job,
    job.burst,
    job.settleMs ?? 2000,
    job.maxWaitMs ?? 60_000,
  );
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const doneMs = (stats.lastAt || wallNow()) - start;
  await conn.close();
  await setup.shutdown().catch(() => {});
  return {
    target: job.target,
    source,
    burst: job.burst,
    delivered,
    share: delivered / job.burst,
    producedMs,
    doneMs,
    perSec: delivered / (doneMs / 1000),
    invalid: stats.invalidEvents + stats.invalidOtlp,
    rssBeforeMb: rssBefore / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
  };
}
