#!/usr/bin/env node
// `npm run soak [-- options]`: many requests through an instrumented MCP server, the heap
// sampled after full GCs, to show that memory has no trend (nothing kept per request).
//   --memory=N   requests over the in-memory transport (default 1,000,000), a new connection
//                every 10,000 (so per-connection state is made and dropped too)
//   --http=N     requests over stateless Streamable HTTP on 127.0.0.1 (default 100,000)
//   --samples=N  heap samples per run (default 40)
//   --json       print the figures as one JSON line (for test/trust/soak.test.ts)
// Needs `node --expose-gc` (the npm script passes it) and a built dist/.
import { createServer } from "node:http";
import { Agent } from "undici";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc (npm run soak does)");
  process.exit(2);
}
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v === undefined ? true : Number(v)];
  }),
);
const MEMORY = args.memory ?? 1_000_000;
const HTTP = args.http ?? 100_000;
const SAMPLES = args.samples ?? 40;
const log = (...a) => console.error(...a);

// --- OpenTelemetry with a batch processor and an exporter that only counts ---
const { context, propagation, trace } = await import("@opentelemetry/api");
const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
const { BatchSpanProcessor, TracerProvider } = await import("@opentelemetry/sdk-trace");
const { McpInstrumentation } = await import("../dist/index.mjs");

let exported = 0;
const countingExporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};
const provider = new TracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({ exporter: countingExporter, scheduledDelayMillis: 50 }),
  ],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
// Every per-request path on: identity, tags, properties, content capture with redaction.
const instrumentation = new McpInstrumentation({
  captureContent: true,
  redact: (text) => text.replace(/secret-\d+/g, "[redacted]"),
  identify: (request) => ({ userId: `user-${request.params?.arguments?.n % 100}` }),
  eventTags: () => ({ tier: "soak" }),
  eventProperties: () => ({ run: "soak" }),
});
instrumentation.setTracerProvider(provider);

const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");
const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
const { StreamableHTTPServerTransport } = await import(
  "@modelcontextprotocol/sdk/server/streamableHttp.js"
);
const { z } = await import("zod");

function buildServer() {
  const server = new McpServer({ name: "soak", version: "1.0.0" });
  server.registerTool(
    "echo",
    { inputSchema: { text: z.string(), n: z.number() } },
    async ({ text, n }) =>
      n % 50 === 0
        ? { isError: true, content: [{ type: "text", text: `failed ${text}` }] }
        : { content: [{ type: "text", text }] },
  );
  return server;
}

const MB = 1024 * 1024;
function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Runs `total` requests through `send(i)`, sampling the heap; returns the figures. */
async function soak(name, total, send) {
  const every = Math.max(1, Math.floor(total / SAMPLES));
  const heap = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    await send(i);
    // In-memory delivery is synchronous: yield so the batch processor runs (see SPEC).
    await tick();
    if ((i + 1) % every === 0) heap.push(heapAfterGc());
  }
  const seconds = (performance.now() - started) / 1000;
  await provider.forceFlush();
  return { name, requests: total, seconds, perSecond: Math.round(total / seconds), ...trend(heap) };
}

/** Growth between the first and last thirds (medians, after the first sample), and slope. */
function trend(heap) {
  const samples = heap.slice(1);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const first = median(samples.slice(0, third));
  const last = median(samples.slice(-third));
  const n = samples.length;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  samples.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return {
    heapFirstMB: +(first / MB).toFixed(2),
    heapLastMB: +(last / MB).toFixed(2),
    growthMB: +((last - first) / MB).toFixed(2),
    slopeKBPerSample: +(den ? num / den / 1024 : 0).toFixed(1),
    minMB: +(Math.min(...samples) / MB).toFixed(2),
    maxMB: +(Math.max(...samples) / MB).toFixed(2),
    samples: samples.length,
  };
}

const results = [];

// --- in-memory, a new connection every 10,000 requests ---
if (MEMORY > 0) {
  let client;
  const connect = async () => {
    await client?.close();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: "soak-client", version: "1.0.0" });
    await Promise.all([buildServer().connect(serverSide), client.connect(clientSide)]);
  };
  log(`in-memory: ${MEMORY} requests...`);
  results.push(
    await soak("in-memory", MEMORY, async (i) => {
      if (i % 10_000 === 0) await connect();
      await client.callTool({ name: "echo", arguments: { text: `secret-${i}`, n: i } });
    }),
  );
  await client.close();
}

// --- stateless Streamable HTTP: a server and transport per request, raw JSON-RPC posts ---
if (HTTP > 0) {
  const http = createServer(async (req, res) => {
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${http.address().port}/mcp`;
  const dispatcher = new Agent({ connections: 4 });
  const { fetch } = await import("undici");
  log(`stateless HTTP: ${HTTP} requests...`);
  results.push(
    await soak("stateless HTTP", HTTP, async (i) => {
      const response = await fetch(url, {
        dispatcher,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "echo", arguments: { text: `secret-${i}`, n: i } },
        }),
      });
      const body = await response.json();
      if (!body.result) throw new Error(`request ${i} failed: ${JSON.stringify(body)}`);
    }),
  );
  await dispatcher.close();
  await new Promise((resolve) => http.close(resolve));
}

await provider.shutdown();
const summary = { node: process.version, exported, results };
if (args.json) console.log(JSON.stringify(summary));
else {
  console.log(`Soak (Node ${process.version}); ${exported} spans exported`);
  console.log(
    "| run | requests | req/s | heap first third (MB) | heap last third (MB) | growth (MB) | min-max (MB) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.requests} | ${r.perSecond} | ${r.heapFirstMB} | ${r.heapLastMB} | ${r.growthMB} | ${r.minMB}-${r.maxMB} |`,
    );
  }
}
