export type * from "./config.js";
export { publishCustomEvent } from "./custom-event.js";
export { diagToStderr } from "./diag-logger.js";
export type { MCPCatEvent, SpanToEventOptions } from "./exporter/event.js";
export { AgentCatExporter, MCPCatExporter } from "./exporter/mcpcat-exporter.js";
export type {
  ApiVocabulary,
  MCPCatExporterOptions,
  MCPCatExporterStats,
  RedactEvent,
} from "./exporter/options.js";
export { spanToEvent } from "./exporter/span-to-event.js";
export { McpInstrumentation } from "./instrumentation.js";
export * from "./semconv.js";
export { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";
