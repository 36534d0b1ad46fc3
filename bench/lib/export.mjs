// Export: how many of a burst reach the loopback stand-in, how fast, and the process's peak
// RSS meanwhile. Every setting is the default. Two kinds of run:
// - exporter alone ("-direct", "mcpcat-queue"): 20,000 real McpInstrumentation spans, made
//   beforehand, handed to the exporter in 512-span batches the way a BatchSpanProcessor does
//   (each after the previous export's callback); for mcpcat, 20,000 events put on its queue
//   (`publishCustomEvent`) at once. This is the exporter's own throughput and bound.
// - end to end ("mcpcat-exporter", "otlp", "mcpcat"): 20,000 tools/call requests through an
//   in-memory server, delivery running while they are made, as in a server.
// The rate is delivered / (last delivery - start).
import { CONFIGS, importPackage, packageHas } from "./configs.mjs";
import { runCalls } from "./load.mjs";
import { connectInMemory, makeServer } from "./mcp.mjs";
import { startProfiler } from "./profiler.mjs";
import { fetchStats, wallNow } from "./standins.mjs";

async function makeExporter(target, base) {
  if (target.startsWith("mcpcat-exporter")) {
    const { MCPCatExporter } = await importPackage();
    return new MCPCatExporter({ projectId: "proj_bench", apiBaseUrl: base });
  }
  if (target.startsWith("otlp")) {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter({ url: `${base}/v1/traces` });
  }
  return undefined;
}

function deliveredOf(target, stats) {
  if (target.startsWith("otlp")) return stats.toolSpans;
  if (target === "mcpcat-queue") return stats.eventTypes["mcpcat:custom"] ?? 0;
  return stats.eventTypes["mcp:tools/call"] ?? 0;
}

/** The stand-in's count once it has reached `expected` or stopped moving. */
async function settled(job, expected, quietMs, maxMs) {
  const end = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const stats = await fetchStats(job.standinUrl, job.runId);
    const n = deliveredOf(job.target, stats);
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

function rssSampler() {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    before,
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** Real tools/call spans from McpInstrumentation (or the bare span), collected in memory. */
async function makeSpans(job, count, source) {
  const spans = [];
  const collector = {
    export(batch, cb) {
      for (const s of batch) if (s.name.startsWith("tools/call")) spans.push(s);
      cb({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const setup = await CONFIGS[source].setup({ ...job, exporter: collector });
  const conn = await connectInMemory(setup.hooks);
  await runCalls(() => conn.call(), count);
  await setup.provider.forceFlush();
  await conn.close();
  return spans.slice(0, count);
}

/**
 * The ceiling: the same number of small event POSTs with a plain undici Pool (keep-alive, 32 in
 * flight, the exporter's default concurrency), no mapping, no retries. No exporter that sends
 * one request per event can beat this on the same machine.
 */
async function rawPosts(base, count) {
  // undici, the fastest HTTP client for Node (and what MCPCatExporter uses), as the ceiling.
  const { Pool } = await import("undici");
  const url = new URL(`${base}/v1/public/events/`);
  const pool = new Pool(url.origin, { connections: 32 });
  const body = JSON.stringify({
    project_id: "proj_bench",
    session_id: null,
    event_type: "mcp:tools/call",
    resource_name: "echo",
    duration: 1,
    timestamp: new Date().toISOString(),
  });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const { body: response } = await pool.request({
          path: url.pathname,
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await response.dump();
      } catch {
        // counted by the stand-in: what it did not receive is not delivered
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await pool.close();
}

/** Hands `spans` over in 512-span batches, each after the previous export's callback. */
async function feed(exporter, spans) {
  for (let i = 0; i < spans.length; i += 512) {
    await new Promise((resolve) => exporter.export(spans.slice(i, i + 512), resolve));
  }
}

/** job: { target, burst, standinUrl, runId, settleMs?, maxWaitMs? } */
export async function runExportJob(job) {
  const base = `${job.standinUrl}/r/${job.runId}`;
  const source = (await packageHas("McpInstrumentation")) ? "mcpcat-otel" : "bare-span";
  const direct = job.target.endsWith("-direct");
  let exporter;
  let setup;
  let conn;
  let spans;
  let publishCustomEvent;
  if (job.target === "raw-http") {
    // nothing to set up
  } else if (job.target === "mcpcat-queue") {
    // track() is what points mcpcat's (module-wide) queue at MCPCAT_API_URL: track one server.
    const mcpcat = await CONFIGS.mcpcat.setup(job);
    makeServer(mcpcat.hooks);
    ({ publishCustomEvent } = await import("mcpcat"));
  } else if (direct) {
    spans = await makeSpans(job, job.burst, source);
    exporter = await makeExporter(job.target, base);
  } else {
    exporter = await makeExporter(job.target, base);
    setup = await CONFIGS[exporter ? source : "mcpcat"].setup({ ...job, exporter });
    conn = await connectInMemory(setup.hooks);
    // Let the handshake's own events go first, so that the burst is measured alone.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  globalThis.gc?.();
  const profiler = job.profile ? await startProfiler(job.profileIntervalUs) : undefined;
  const rss = rssSampler();
  const start = wallNow();
  if (job.target === "raw-http") {
    await rawPosts(base, job.burst);
  } else if (job.target === "mcpcat-queue") {
    for (let i = 0; i < job.burst; i++) {
      publishCustomEvent("bench-session", "proj_bench", { resourceName: "echo", duration: 1 });
    }
  } else if (direct) {
    await feed(exporter, spans);
  } else {
    await runCalls(() => conn.call(), job.burst);
  }
  const handedMs = wallNow() - start;
  // A server shutting down would flush; it must not reject.
  if (setup?.provider) await setup.provider.forceFlush().catch(() => {});
  else await exporter?.forceFlush?.().catch(() => {});
  const { delivered, stats } = await settled(
    job,
    job.burst,
    job.settleMs ?? 2000,
    job.maxWaitMs ?? 60_000,
  );
  const peak = rss.stop();
  if (profiler) await profiler.stop(`${job.profile}.${job.target}`, delivered);
  const doneMs = (stats.lastAt || wallNow()) - start;
  await conn?.close();
  await setup?.shutdown().catch(() => {});
  await exporter?.shutdown?.().catch(() => {});
  return {
    target: job.target,
    source:
      job.target === "raw-http"
        ? "–"
        : job.target.startsWith("mcpcat") && !job.target.startsWith("mcpcat-exporter")
          ? "mcpcat"
          : source,
    burst: job.burst,
    delivered,
    share: delivered / job.burst,
    producedMs: handedMs,
    doneMs,
    perSec: delivered / (doneMs / 1000),
    invalid: stats.invalidEvents + stats.invalidOtlp,
    rssBeforeMb: rss.before / 2 ** 20,
    peakRssMb: peak / 2 ** 20,
  };
}
