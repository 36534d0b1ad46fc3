// The configurations under test. Each `setup(ctx)` runs once in its own process and returns:
//   hooks   - { beforeTools?(server), afterTools?(server) }, applied to every server made
//   unit    - "spans" or "events": what `count()` counts
//   count() - flushes, then returns how many spans/events were produced (or delivered) so far
//   shutdown()
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { trace } from "@opentelemetry/api";
import { bareSpanHook, IDENTITY } from "./bare-span.mjs";
import { setupCountedTracing } from "./otel.mjs";
import { peerConfigs } from "./peers.mjs";

export { IDENTITY };

const DIST = new URL("../../dist/index.mjs", import.meta.url);

/** Imports the built package (run `npm run build` at the root first). */
export async function importPackage() {
  if (!existsSync(fileURLToPath(DIST))) {
    throw new Error("dist/index.mjs is missing: run `npm run build` at the repository root first");
  }
  return import(DIST.href);
}

/** Is McpInstrumentation (or MCPCatExporter) in the built package yet? */
export async function packageHas(name) {
  try {
    return typeof (await importPackage())[name] === "function";
  } catch {
    return false;
  }
}

const none = {
  label: "uninstrumented",
  kind: "baseline",
  async setup() {
    return { hooks: {}, unit: "spans", count: async () => 0, shutdown: async () => {} };
  },
};

// The floor: one span per request, made by hand with the OpenTelemetry SDK.
const bareSpan = {
  label: "bare span (floor)",
  kind: "ours",
  async setup(ctx) {
    const tracing = setupCountedTracing(ctx);
    const afterTools = bareSpanHook(trace.getTracer("bench-bare-span"));
    return { hooks: { afterTools }, ...tracing };
  },
};

// The floor carrying the same attributes as McpInstrumentation: what the attributes cost.
const bareSpanAttributes = {
  label: "bare span + the same 13 attributes",
  kind: "diagnostic",
  skipMemory: true,
  async setup(ctx) {
    const tracing = setupCountedTracing(ctx);
    const afterTools = bareSpanHook(trace.getTracer("bench-bare-span"), { attributes: true });
    return { hooks: { afterTools }, ...tracing };
  },
};

function ours(label, options, { metrics = false } = {}) {
  return {
    label,
    kind: "ours",
    needs: "McpInstrumentation",
    skipMemory: metrics,
    async setup(ctx) {
      const { McpInstrumentation } = await importPackage();
      const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
      const tracing = setupCountedTracing(ctx);
      const instrumentation = new McpInstrumentation({ identify: () => IDENTITY, ...options });
      const meters = metrics ? await metricsProvider() : undefined;
      registerInstrumentations({
        instrumentations: [instrumentation],
        tracerProvider: tracing.provider,
        meterProvider: meters?.provider,
      });
      const shutdown = async () => {
        await meters?.shutdown();
        await tracing.shutdown();
      };
      return { hooks: {}, ...tracing, shutdown };
    },
  };
}

/**
 * A MeterProvider as an app exporting metrics would have: a periodic reader (one minute, the
 * SDK default) whose exporter drops what it gets, so the cost measured is the recording.
 */
export async function metricsProvider() {
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import(
    "@opentelemetry/sdk-metrics"
  );
  const exporter = {
    export: (_metrics, done) => done({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  };
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
  });
  return { provider, shutdown: () => provider.shutdown() };
}

// SDK v2 (`@modelcontextprotocol/server`): the same scenarios against a v2 server (in-memory,
// and createMcpHandler over HTTP in the 2026-07-28 era), each compared with its own
// uninstrumented v2 baseline. Not in the memory run nor the paired comparison (v1 only).
const noneV2 = { ...none, label: "uninstrumented (SDK v2)", sdk: "v2", skipMemory: true };
const oursV2 = {
  ...ours("McpInstrumentation (SDK v2)", {}),
  sdk: "v2",
  baseline: "none-v2",
  skipMemory: true,
};

/** Every configuration, in the order the tables show them. */
export const CONFIGS = {
  none,
  "bare-span": bareSpan,
  "bare-span-attrs": bareSpanAttributes,
  "mcpcat-otel": ours("McpInstrumentation (defaults)", {}),
  "mcpcat-otel-content": ours("McpInstrumentation (content capture)", { captureContent: true }),
  "mcpcat-otel-metrics": ours("McpInstrumentation (with a MeterProvider)", {}, { metrics: true }),
  ...peerConfigs,
  "none-v2": noneV2,
  "mcpcat-otel-v2": oursV2,
};

/** The uninstrumented run a configuration is compared with (its own SDK generation's). */
export function baselineOf(config) {
  return CONFIGS[config]?.baseline ?? (config === "none-v2" ? "none-v2" : "none");
}

/** The configurations that need no peer installed (what the smoke test runs). */
export const OWN_CONFIGS = ["none", "bare-span", "mcpcat-otel"];
