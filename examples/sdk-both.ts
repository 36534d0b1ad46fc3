/**
 * NodeSDK setup: MCP spans to an OpenTelemetry collector and to MCPCat, from one
 * instrumentation. Preload it:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 MCPCAT_PROJECT_ID=proj_... \
 *     node --import ./examples/sdk-both.ts examples/stdio-server.ts
 *
 * Each exporter has its own batch processor, so a slow or unreachable MCPCat API never holds
 * back the collector's spans, and the other way round.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { diagToStderr, MCPCatExporter, McpInstrumentation } from "mcpcat-otel";

// A stdio server's stdout is its JSON-RPC channel, and NodeSDK, when it sees OTEL_LOG_LEVEL,
// installs a console diag logger that writes info and debug there: diagnostics to stderr.
diagToStderr();

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "mcp-example",
  instrumentations: [new McpInstrumentation()],
  spanProcessors: [
    new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }),
    new BatchSpanProcessor({ exporter: new MCPCatExporter() }),
  ],
});
sdk.start();

// Export what is still batched when the process ends.
process.once("beforeExit", () => void sdk.shutdown());
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    // A signal listener turns off Node's default of ending the process. So after the flush,
    // end it as the signal would have, unless the app handles the signal itself.
    const appHandlesIt = process.listenerCount(signal) > 0;
    void sdk.shutdown().finally(() => {
      if (!appHandlesIt) process.kill(process.pid, signal);
    });
  });
}
