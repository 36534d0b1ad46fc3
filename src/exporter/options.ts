/*
 * The public options of `MCPCatExporter`, and the counters it reports.
 */
import type { RedactEvent } from "./redact-event.js";
import type { ApiVocabulary } from "./vocabulary.js";

export type { RedactEvent } from "./redact-event.js";
export type { ApiVocabulary } from "./vocabulary.js";

/** Options of {@link MCPCatExporter}. Every one is optional but the project id. */
export interface MCPCatExporterOptions {
  /**
   * Project id. Default: `AGENTCAT_PROJECT_ID`, else `MCPCAT_PROJECT_ID`. Missing all three
   * throws at construction.
   */
  projectId?: string;
  /**
   * API base URL. Default: `AGENTCAT_API_URL`, else `MCPCAT_API_URL` (as the vendor's SDK reads
   * them), else the current API, `https://api.agentcat.com`.
   */
  apiBaseUrl?: string;
  /**
   * The API's vocabulary (see `SpanToEventOptions.vocabulary`). Default: `"mcpcat"` when
   * the base URL is on the legacy host `api.mcpcat.io`, else `"agentcat"`.
   */
  vocabulary?: ApiVocabulary;
  /** See `SpanToEventOptions.includeUnknownMethods`. Default `false`. */
  includeUnknownMethods?: boolean;
  /**
   * Most events waiting to be sent (queued, in flight or waiting for a retry). Events beyond
   * it are dropped, counted and reported via diag. Default 50000.
   */
  maxQueueSize?: number;
  /**
   * Most characters of serialized event bodies waiting to be sent: with content capture one
   * event can weigh tens of kilobytes, so the count alone does not bound memory.
   * Default 67108864 (64 Mi characters).
   */
  maxQueueBytes?: number;
  /** Most requests in flight to the API at once (one keep-alive connection each). Default 32. */
  maxConcurrentRequests?: number;
  /** Time limit of one HTTP request, in milliseconds. Default 10000. */
  timeoutMillis?: number;
  /** Retries of one event after a network error, a timeout, 429 or 5xx. Default 3. */
  maxRetries?: number;
  /** First retry delay in milliseconds; doubles on every retry, with jitter. Default 500. */
  initialBackoffMillis?: number;
  /** Longest retry delay in milliseconds (a `Retry-After` is honoured up to this). Default 30000. */
  maxBackoffMillis?: number;
  /**
   * How long `shutdown()` and `forceFlush()` wait for queued events to be delivered, in
   * milliseconds. On shutdown, what is left then is dropped and counted. Default 10000.
   */
  shutdownTimeoutMillis?: number;
  /** Extra HTTP headers for every request (for example for a proxy). */
  headers?: Record<string, string>;
  /**
   * Sees every event before it is sent, as AgentCat's SDK's `redactEvent` does: sync or async,
   * it gets a copy of the event and returns it (changed or not), or `null` to drop it. `id`,
   * `sessionId`, `projectId`, `eventType` and `timestamp` are put back whatever it returns. A
   * hook that throws, rejects, returns anything else, or does not settle within
   * `timeoutMillis` drops the event (counted in `droppedRedactEventFailed`, told through diag).
   * The instrumentation's `redact` has already scrubbed the strings it sees.
   */
  redactEvent?: RedactEvent;
}

/** Counters of {@link MCPCatExporter.getStats}; the `dropped*` ones only ever grow. */
export interface MCPCatExporterStats {
  /** Events waiting to be sent: queued, in flight, or waiting for a retry. */
  pending: number;
  /** Requests in flight now. */
  inFlight: number;
  /** Events the API accepted (2xx). */
  sent: number;
  /** Retries made (each retried attempt counts once). */
  retries: number;
  /** Events dropped because the queue was full. */
  droppedQueueFull: number;
  /** Events dropped because the API rejected them (4xx but 429) or retries ran out. */
  droppedFailed: number;
  /** Events dropped at shutdown because the timeout ran out (exports after shutdown fail instead). */
  droppedShutdown: number;
  /** Spans that were MCP spans but had no MCPCat event type (see `includeUnknownMethods`). */
  skippedUnknownMethod: number;
  /** Events `redactEvent` dropped by returning `null`. */
  droppedByRedactEvent: number;
  /** Events dropped because `redactEvent` threw, rejected, returned a non-event or timed out. */
  droppedRedactEventFailed: number;
}

/** A positive finite number option, else `fallback`. */
export function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A non-negative finite number option, else `fallback`. */
export function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : fallback;
}
