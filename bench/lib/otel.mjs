// OpenTelemetry 3.x set up without NodeSDK, as a user outside NodeSDK would: a TracerProvider
// with a BatchSpanProcessor (default settings) and the AsyncLocalStorage context manager,
// registered through the API. Spans go to an exporter that counts and discards.
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

/** A SpanExporter that counts what it is given and drops it. Works with any SDK generation. */
export function countingExporter() {
  const state = { spans: 0, exports: 0 };
  const exporter = {
    export(spans, resultCallback) {
      state.spans += spans.length;
      state.exports++;
      resultCallback({ code: 0 }); // ExportResultCode.SUCCESS
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  return { exporter, state };
}

/** Registers a provider that sends every span through a BatchSpanProcessor to `exporter`. */
export function setupTracing(exporter, processorOptions = {}) {
  const provider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter, ...processorOptions })],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return provider;
}

/**
 * Tracing with a counting exporter (or `ctx.exporter` when the export benchmark gives one);
 * `count()` flushes and returns the spans exported so far (NaN with a foreign exporter).
 */
export function setupCountedTracing(ctx = {}) {
  const counting = countingExporter();
  const provider = setupTracing(ctx.exporter ?? counting.exporter);
  return {
    provider,
    unit: "spans",
    async count() {
      await provider.forceFlush();
      return ctx.exporter ? Number.NaN : counting.state.spans;
    },
    shutdown: () => provider.shutdown(),
  };
}
