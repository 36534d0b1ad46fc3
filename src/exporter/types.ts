import type { PublishEventRequest } from "mcpcat-api";

/**
 * One MCPCat event, as {@link spanToEvent} makes it: a `mcpcat-api` `PublishEventRequest`
 * whose `sessionId` is `null` when the server is stateless (the generated model types it as a
 * string; the API accepts `null` and then groups the events itself).
 */
export type MCPCatEvent = {
  [K in keyof PublishEventRequest as string extends K
    ? never
    : K extends "sessionId"
      ? never
      : K]: PublishEventRequest[K];
} & { sessionId: string | null };

/** Options of {@link spanToEvent}. */
export interface SpanToEventOptions {
  /** The MCPCat project the events belong to. */
  projectId: string;
  /**
   * Also map methods that `mcpcat-api`'s `PublishEventRequestEventTypeEnum` does not list (for
   * example a custom method or one newer than the API client) to `mcp:<method>`. Default
   * `false`: the API validates the event type, so such events would only be rejected with 400.
   */
  includeUnknownMethods?: boolean;
  /** Sent as `sdkLanguage`. Default `"TypeScript"` (what MCPCat's own TypeScript SDK sends). */
  sdkLanguage?: string;
  /** Sent as `mcpcatVersion`. Default `"mcpcat-otel/<version of this package>"`. */
  mcpcatVersion?: string;
}

/** Options of {@link MCPCatExporter}. Every one is optional but the project id. */
export interface MCPCatExporterOptions {
  /** MCPCat project id. Default: `MCPCAT_PROJECT_ID`. Missing both throws at construction. */
  projectId?: string;
  /** MCPCat API base URL. Default: `MCPCAT_API_URL`, else `https://api.mcpcat.io`. */
  apiBaseUrl?: string;
  /** See {@link SpanToEventOptions.includeUnknownMethods}. Default `false`. */
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
}
