/**
 * NodeSDK setup: MCP spans to MCPCat only, as MCPCat events. Preload it:
 *
 *   MCPCAT_PROJECT_ID=proj_... node --import ./examples/sdk-mcpcat.ts examples/stdio-server.ts
 *
 * `MCPCatExporter` maps each MCP span to one MCPCat event and ignores every other span. It
 * takes the project from MCPCAT_PROJECT_ID (and the API from MCPCAT_API_URL) when not given.
 */
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { diagToStderr, MCPCatExporter, McpInstrumentation } from "mcpcat-otel";

// A stdio server's stdout is its JSON-RPC channel, and NodeSDK, when it sees OTEL_LOG_LEVEL,
// installs a console diag logger that writes info and debug there: diagnostics to stderr.
diagToStderr();

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "mcp-example",
  instrumentations: [new McpInstrumentation()],
  spanProcessors: [new BatchSpanProcessor({ exporter: new MCPCatExporter() })],
  // With `spanProcessors` given, NodeSDK sets up no OTLP trace export; metrics and logs it
  // would still send to localhost:4318 (OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER default
  // to otlp), so turn them off when there is no collector.
  metricReaders: [],
  logRecordProcessors: [],
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
