import { inspect } from "node:util";
import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

/**
 * What `OTEL_TRACES_EXPORTER=console` selects under `mcpcat-otel/register`: the SDK's
 * `ConsoleSpanExporter` prints with `console.dir`, to stdout, where a stdio MCP server speaks
 * JSON-RPC. This one prints the same fields to stderr.
 */
export class StderrSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      for (const span of spans) {
        process.stderr.write(`${inspect(describe(span), { depth: 3, breakLength: 120 })}\n`);
      }
    } catch {
      // stderr closed: the spans are lost either way, the app must not notice.
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function describe(span: ReadableSpan) {
  const context = span.spanContext();
  return {
    resource: { attributes: span.resource.attributes },
    instrumentationScope: span.instrumentationScope,
    traceId: context.traceId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    id: context.spanId,
    kind: span.kind,
    timestamp: hrTimeToMicroseconds(span.startTime),
    duration: hrTimeToMicroseconds(span.duration),
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    links: span.links,
  };
}
