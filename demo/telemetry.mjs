// The demo's OpenTelemetry setup: NodeSDK with McpInstrumentation, spans kept in memory for
// the report, and sent to an OTLP collector (--otlp) or to MCPCat (MCPCAT_PROJECT_ID) too.
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { identify } from "./users.mjs";

/**
 * @param {typeof import("mcpcat-otel")} mcpcatOtel the package, loaded once it is built
 * @param {{ otlpUrl?: string, projectId?: string }} options
 */
export function startTelemetry(mcpcatOtel, { otlpUrl, projectId }) {
  const memory = new InMemorySpanExporter();
  const spanProcessors = [new SimpleSpanProcessor({ exporter: memory })];
  if (otlpUrl) {
    const url = otlpUrl.replace(/\/+$/, "").replace(/(\/v1\/traces)?$/, "/v1/traces");
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  const mcpcat = projectId ? new mcpcatOtel.MCPCatExporter({ projectId }) : undefined;
  if (mcpcat) spanProcessors.push(new BatchSpanProcessor({ exporter: mcpcat }));

  const sdk = new NodeSDK({
    serviceName: "mcpcat-otel-demo",
    instrumentations: [new mcpcatOtel.McpInstrumentation({ identify })],
    spanProcessors,
    // Traces only: no metrics or logs to a collector that may not be there.
    metricReaders: [],
    logRecordProcessors: [],
    resourceDetectors: [],
  });
  sdk.start();
  return { sdk, memory, mcpcat, warnings: collectWarnings() };
}

/**
 * OpenTelemetry's warnings and errors, kept (not printed) so that the demo can say why a
 * delivery failed, in its summary.
 */
function collectWarnings() {
  const warnings = [];
  const keep = (message, ...args) => {
    const line = [message, ...args.map((a) => a?.message ?? String(a))].join(" ");
    warnings.push(line);
  };
  diag.setLogger(
    { error: keep, warn: keep, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return warnings;
}
