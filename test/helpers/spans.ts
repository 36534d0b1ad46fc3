/*
 * Real spans for exporter tests: a real TracerProvider with an InMemorySpanExporter behind a
 * SimpleSpanProcessor, spans started with the attributes McpInstrumentation records.
 */
import { type Attributes, type HrTime, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

export interface SpanSpec {
  name?: string;
  kind?: SpanKind;
  attributes?: Attributes;
  /** Start time in epoch milliseconds (fractional allowed). */
  startMs?: number;
  durationMs?: number;
  status?: { code: SpanStatusCode; message?: string };
  exception?: Error;
}

export class SpanFactory {
  readonly memory = new InMemorySpanExporter();
  readonly provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: this.memory })],
  });
  private readonly tracer = this.provider.getTracer("exporter-test");

  /** Starts and ends one span; returns it as the exporter will see it. */
  make(spec: SpanSpec): ReadableSpan {
    const method = spec.attributes?.["mcp.method.name"];
    const startMs = spec.startMs ?? Date.now();
    const span = this.tracer.startSpan(spec.name ?? String(method ?? "not-mcp"), {
      kind: spec.kind ?? SpanKind.SERVER,
      attributes: spec.attributes ?? {},
      startTime: msToHr(startMs),
    });
    if (spec.exception) span.recordException(spec.exception);
    if (spec.status) span.setStatus(spec.status);
    span.end(msToHr(startMs + (spec.durationMs ?? 12.4)));
    const spans = this.memory.getFinishedSpans();
    const last = spans[spans.length - 1];
    if (!last) throw new Error("span not exported");
    return last;
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

function msToHr(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export { SpanKind, SpanStatusCode };
