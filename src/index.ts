export { AgentCatExporter, MCPCatExporter } from "./exporter/mcpcat-exporter.js";
export { spanToEvent } from "./exporter/span-to-event.js";
export type {
  ApiVocabulary,
  MCPCatEvent,
  MCPCatExporterOptions,
  MCPCatExporterStats,
  SpanToEventOptions,
} from "./exporter/types.js";
export { McpInstrumentation } from "./instrumentation.js";
export { diagToStderr } from "./register/diag-logger.js";
export * from "./semconv.js";
export type * from "./types.js";
export { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";
