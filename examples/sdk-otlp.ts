/**
 * NodeSDK setup: MCP spans to any OpenTelemetry collector over OTLP. Preload it before the
 * server, so that the SDK runs before the server is made:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
 *     node --import ./examples/sdk-otlp.ts examples/stdio-server.ts
 *
 * The exporter reads the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, ...).
 * For OTLP alone, `NodeSDK` could also build it from OTEL_TRACES_EXPORTER (leave out
 * `spanProcessors`); it is spelled out here to line up with sdk-mcpcat.ts and sdk-both.ts.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { diagToStderr, McpInstrumentation } from "mcpcat-otel";

// A stdio server's stdout is its JSON-RPC channel, and NodeSDK, when it sees OTEL_LOG_LEVEL,
// installs a console diag logger that writes info and debug there: diagnostics to stderr.
diagToStderr();

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "mcp-example",
  instrumentations: [new McpInstrumentation()],
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
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
