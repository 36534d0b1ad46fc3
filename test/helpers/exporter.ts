/*
 * Wiring for exporter tests: an MCPCatExporter under a real BatchSpanProcessor in a real
 * TracerProvider, and a guard that fails the test on any unhandled rejection.
 */
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { BatchSpanProcessor, type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import type { MCPCatExporterOptions } from "../../src/exporter/options.js";
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
} from "../../src/semconv.js";
import { type SpanFactory, SpanKind } from "./spans.js";

export function exporterFor(
  apiBaseUrl: string,
  options: MCPCatExporterOptions = {},
): MCPCatExporter {
  return new MCPCatExporter({ projectId: "proj_test", apiBaseUrl, ...options });
}

/** A provider whose only processor is a BatchSpanProcessor over `exporter`. */
export function batchProvider(exporter: MCPCatExporter, scheduledDelayMillis = 10): TracerProvider {
  return new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis })],
  });
}

/** Ends `n` tools/call SERVER spans in `provider`. */
export function endToolSpans(provider: TracerProvider, n: number, sessionId?: string): void {
  const tracer = provider.getTracer("exporter-test");
  for (let i = 0; i < n; i++) {
    const attributes: Record<string, string> = {
      [ATTR_MCP_METHOD_NAME]: "tools/call",
      [ATTR_GEN_AI_TOOL_NAME]: `tool-${i}`,
    };
    if (sessionId) attributes[ATTR_MCP_SESSION_ID] = sessionId;
    tracer.startSpan(`tools/call tool-${i}`, { kind: SpanKind.SERVER, attributes }).end();
  }
}

/** `n` finished tools/call spans, to hand to `export()` directly. */
export function toolSpans(factory: SpanFactory, n: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      factory.make({
        attributes: { [ATTR_MCP_METHOD_NAME]: "tools/call", [ATTR_GEN_AI_TOOL_NAME]: `t${i}` },
      }),
    );
  }
  return out;
}

/** Calls `export` and returns every result its callback got (the contract: exactly one). */
export async function exportAndCollect(
  exporter: MCPCatExporter,
  spans: ReadableSpan[],
): Promise<ExportResult[]> {
  const results: ExportResult[] = [];
  exporter.export(spans, (result) => results.push(result));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return results;
}

export const SUCCESS = ExportResultCode.SUCCESS;
export const FAILED = ExportResultCode.FAILED;

/** Records unhandled rejections and uncaught exceptions while installed. */
export function trackUnhandled() {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onRejection);
  return {
    seen,
    stop() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onRejection);
    },
  };
}
