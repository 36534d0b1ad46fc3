import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { McpInstrumentationConfig } from "../../src/config.js";
import { McpInstrumentation } from "../../src/index.js";

/**
 * One real TracerProvider with an in-memory exporter, and one McpInstrumentation, for a test
 * file. The instrumentation patches the SDK's Protocol prototype once per process; tests change
 * its behaviour with `setConfig`.
 */
export function setupTracing(config: McpInstrumentationConfig = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new McpInstrumentation(config);
  instrumentation.setTracerProvider(provider);
  return { exporter, provider, instrumentation };
}

/** Finished SERVER spans of MCP requests (they carry `mcp.method.name`). */
export function mcpSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return mcpSpansOfKind(exporter, SpanKind.SERVER);
}

/** Finished CLIENT spans of MCP requests. */
export function clientSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return mcpSpansOfKind(exporter, SpanKind.CLIENT);
}

function mcpSpansOfKind(exporter: InMemorySpanExporter, kind: SpanKind): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((span) => span.kind === kind && "mcp.method.name" in span.attributes);
}

export function spansNamed(exporter: InMemorySpanExporter, name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

/** Waits until `predicate` holds, polling; fails with `message` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, message: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
