import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import type { McpInstrumentation } from "../../src/index.js";

/** A pull reader: `collect()` on demand, cumulative, nothing exported anywhere. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * A fresh MeterProvider with an in-memory reader, given to `instrumentation` (as NodeSDK does
 * through `setMeterProvider`), so each test reads only its own measurements.
 */
export function freshMetrics(instrumentation: McpInstrumentation) {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  instrumentation.setMeterProvider(provider);
  return {
    provider,
    /** The histogram named `name`, as the reader collects it now (undefined: no point yet). */
    async histogram(name: string): Promise<HistogramMetricData | undefined> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, "metric collection failed");
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          if (metric.dataPointType !== DataPointType.HISTOGRAM)
            throw new Error(`${name}: not a histogram`);
          return metric;
        }
      }
      return undefined;
    },
  };
}

/** Measurements in a histogram: the sum of its points' counts. */
export function countOf(metric: HistogramMetricData | undefined): number {
  return (metric?.dataPoints ?? []).reduce((n, point) => n + point.value.count, 0);
}
