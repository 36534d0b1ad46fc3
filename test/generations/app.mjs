// A user's app with its own NodeSDK on OpenTelemetry JS 2.x or 3.x (FIXTURE_GENERATION):
// McpInstrumentation and MCPCatExporter added the documented way, each generation's own span
// processors and meter provider. A client and a server talk in memory; the app reports what
// its own exporters got as one JSON line on stderr (stdout stays empty).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { trace } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { MCPCatExporter, McpInstrumentation } from "mcpcat-otel";

const two = process.env.FIXTURE_GENERATION === "2";
// 2.x: sdk-trace-base, processors take the exporter; 3.x: sdk-trace, processors take options.
const tracing = two
  ? await import("@opentelemetry/sdk-trace-base")
  : await import("@opentelemetry/sdk-trace");
const batched = (exporter) =>
  two
    ? new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 20 })
    : new tracing.BatchSpanProcessor({ exporter, scheduledDelayMillis: 20 });

const spans = new tracing.InMemorySpanExporter();
const mcpcat = new MCPCatExporter({
  projectId: "proj_generations",
  apiBaseUrl: process.env.FIXTURE_AGENTCAT_URL,
});
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 60_000,
});
const sdk = new NodeSDK({
  serviceName: "generations-app",
  instrumentations: [new McpInstrumentation({ identify: () => ({ userId: "alice" }) })],
  spanProcessors: [batched(spans), batched(mcpcat)],
  metricReaders: [reader],
});
sdk.start();

// Loaded after the SDK started, as the README says.
const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");

const server = new McpServer({ name: "generations-server", version: "1.0.0" });
server.registerTool("echo", { description: "echo" }, async () =>
  trace.getTracer("app").startActiveSpan("app.inside-tool", (span) => {
    span.end();
    return { content: [{ type: "text", text: "hi" }] };
  }),
);
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: "generations-client", version: "1.0.0" });
await client.connect(clientSide);
await trace.getTracer("app").startActiveSpan("app.caller", async (span) => {
  await client.callTool({ name: "echo", arguments: {} });
  span.end();
});
await client.close();

await trace.getTracerProvider().getDelegate().forceFlush();
await reader.forceFlush();
// The API copy mcpcat-otel resolves is the app's own.
const require = createRequire(import.meta.url);
const apiEntry = require.resolve("@opentelemetry/api");
const ours = createRequire(require.resolve("mcpcat-otel")).resolve("@opentelemetry/api");
const report = {
  api: JSON.parse(
    readFileSync(new URL("node_modules/@opentelemetry/api/package.json", import.meta.url)),
  ).version,
  sameApi: apiEntry === ours,
  spans: spans.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
  })),
  metrics: metricExporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics)
    .flatMap((scope) => scope.metrics)
    .map((metric) => metric.descriptor.name),
};
await sdk.shutdown(); // MCPCatExporter delivers what it holds at shutdown
process.stderr.write(`REPORT ${JSON.stringify(report)}\n`);
