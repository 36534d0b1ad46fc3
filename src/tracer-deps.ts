/*
 * What the three tracers (requests handled, requests sent, notifications) share: one object,
 * made by the instrumentation, read at each message (the tracer, options and meter may change
 * after the tracers are made: `setTracerProvider`, `setConfig`, `setMeterProvider`).
 */
import type { Tracer } from "@opentelemetry/api";
import type { ResolvedOptions } from "./internal-types.js";
import type { McpMetrics } from "./metrics.js";
import type { Patches } from "./patches.js";

export interface TracerDeps {
  readonly tracer: Tracer;
  readonly options: ResolvedOptions;
  readonly metrics: McpMetrics;
  /** Where every instance-level patch is recorded, so that `disable()` undoes it. */
  readonly patches: Patches;
  /**
   * The app's code (handlers, the transport) runs in the app's own context, not under our spans:
   * set by `register` when MCP spans go to a pipeline the app's own telemetry does not see, so
   * that none of the app's spans gets a parent its backend never receives (Sentry drops those).
   */
  separate: boolean;
}
