import { getNumberFromEnv, getStringFromEnv } from "@opentelemetry/core";
import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { MCPCatExporter } from "../exporter/mcpcat-exporter.js";
import { registerLog } from "../log.js";
import { StderrSpanExporter } from "./stderr-span-exporter.js";

/**
 * The span processors `NodeSDK` would make from `OTEL_TRACES_EXPORTER` (it makes none itself
 * once it is given `spanProcessors`, which adding MCPCat needs). Each OTLP exporter reads its
 * endpoint, headers, timeout and compression from the `OTEL_EXPORTER_OTLP_*` variables.
 */
export function traceProcessorsFor(names: string[]): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === "otlp") processors.push(batched(otlpTraceExporter()));
    else if (name === "console")
      processors.push(new SimpleSpanProcessor({ exporter: new StderrSpanExporter() }));
    else
      registerLog.warn(
        `OTEL_TRACES_EXPORTER: "${name}" is not supported by mcpcat-otel/register (otlp, console, none)`,
      );
  }
  return processors;
}

/** `MCPCatExporter` under a batch processor. */
export function mcpcatProcessor(projectId: string, apiBaseUrl: string | undefined): SpanProcessor {
  return batched(new MCPCatExporter(apiBaseUrl ? { projectId, apiBaseUrl } : { projectId }));
}

function otlpTraceExporter(): SpanExporter {
  const protocol =
    (
      getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ??
      getStringFromEnv("OTEL_EXPORTER_OTLP_PROTOCOL")
    )?.trim() || "http/protobuf";
  switch (protocol) {
    case "http/protobuf":
      return new ProtobufTraceExporter();
    case "http/json":
      return new JsonTraceExporter();
    case "grpc":
      return new GrpcTraceExporter();
    default:
      registerLog.warn(`unsupported OTLP traces protocol "${protocol}", using http/protobuf`);
      return new ProtobufTraceExporter();
  }
}

/** A `BatchSpanProcessor` with the `OTEL_BSP_*` settings, as `NodeSDK` makes them. */
function batched(exporter: SpanExporter): SpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: positiveFromEnv("OTEL_BSP_MAX_QUEUE_SIZE"),
    scheduledDelayMillis: positiveFromEnv("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: positiveFromEnv("OTEL_BSP_EXPORT_TIMEOUT"),
    maxExportBatchSize: positiveFromEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  });
}

function positiveFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value === undefined || value > 0) return value;
  registerLog.warn(`${name}=${value} is not a positive number; using the default`);
  return undefined;
}
