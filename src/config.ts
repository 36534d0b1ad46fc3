import type { Span } from "@opentelemetry/api";
import type { InstrumentationConfig } from "@opentelemetry/instrumentation";

/** Who made a request, as returned by {@link McpInstrumentationConfig.identify}. */
export interface Identity {
  /** Stable id of the caller; recorded as `user.id`. */
  userId: string;
  /** Display name; recorded as `user.name`. */
  userName?: string;
  /** Anything else worth knowing about the caller; recorded as JSON in `mcpcat.identify.data`. */
  userData?: Record<string, unknown>;
}

/** A JSON-RPC request as the MCP SDK hands it to the server. */
export interface McpRequest {
  jsonrpc?: "2.0";
  id: string | number | null;
  method: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

/**
 * What is known about the request besides its body, as the transport reports it. A subset of
 * the SDK's `RequestHandlerExtra`, available before the handler runs. It holds every request
 * header (Authorization and Cookie included): this package never exports it as it is.
 */
export interface McpRequestExtra {
  /** The transport's session id (Streamable HTTP `Mcp-Session-Id`), when it has one. */
  sessionId?: string;
  requestId: string | number | null;
  /** Auth info validated by the transport (e.g. an OAuth bearer token), when there is some. */
  authInfo?: unknown;
  /** The HTTP request's headers and URL, for HTTP transports. */
  requestInfo?: { headers: Record<string, string | string[] | undefined>; url?: URL };
}

/** Passed to {@link McpInstrumentationConfig.requestHook}. */
export interface McpRequestHookInfo {
  request: McpRequest;
  extra: McpRequestExtra;
}

/** Passed to {@link McpInstrumentationConfig.responseHook}. */
export interface McpResponseHookInfo {
  request: McpRequest;
  /** The result sent, when the request succeeded at the JSON-RPC level. */
  result?: unknown;
  /** The JSON-RPC error sent, when it failed. */
  error?: { code: number; message: string; data?: unknown };
}

type MaybePromise<T> = T | Promise<T>;

/** Configuration of {@link McpInstrumentation}. Every option is optional. */
export interface McpInstrumentationConfig extends InstrumentationConfig {
  /**
   * Treat the server as stateless: no `mcp.session.id` on any span, no per-session identity
   * memory. Default: `MCPCAT_STATELESS`, else auto-detected (a Streamable HTTP transport made
   * without a `sessionIdGenerator` is stateless), else stateful.
   */
  stateless?: boolean;
  /**
   * Resolves the caller of every request. Runs inside the request's context, before the
   * handler; may be async. Throwing, returning something that is not an {@link Identity}, or
   * taking longer than `identifyTimeoutMs` leaves the span without identity (reported via diag).
   */
  identify?: (
    request: McpRequest,
    extra: McpRequestExtra,
  ) => MaybePromise<Identity | null | undefined>;
  /**
   * How long a span waits, past the response, for async user code, in milliseconds: `identify`
   * and an async `redact` alike. What has not settled by then is left out of the span (reported
   * via diag); the span's end time is never moved. Default 1000.
   */
  identifyTimeoutMs?: number;
  /**
   * Record tool arguments and results (`gen_ai.tool.call.arguments` / `.result`) and prompt
   * arguments. Off by default: they may hold personal data. Default: `MCPCAT_CAPTURE_CONTENT`.
   */
  captureContent?: boolean;
  /**
   * Applied to every captured string (content and user intent) before it is recorded. May be
   * async: it is waited for up to `identifyTimeoutMs`.
   */
  redact?: (text: string) => MaybePromise<string>;
  /** Captured JSON is cut to this many characters. Default 32768. */
  maxContentLength?: number;
  /**
   * How `mcp.session.id` records a transport's own session id (Streamable HTTP
   * `Mcp-Session-Id`), which lets whoever holds it act in that session: `"hashed"` (default)
   * records an HMAC-SHA-256 of it, keyed with `sessionIdKey`, stable for the session, so spans
   * and MCPCat events still group by session; `"raw"` records the id itself.
   */
  sessionIdExport?: "hashed" | "raw";
  /**
   * Key of the session id hash. Default: a random key made once per process. Give every
   * replica the same key to get the same hashed id for a session wherever it is served.
   */
  sessionIdKey?: string;
  /** Tags for the MCPCat event, recorded as `mcpcat.tag.<key>` attributes. */
  eventTags?: (
    request: McpRequest,
    extra: McpRequestExtra,
  ) => Record<string, string> | null | undefined;
  /** Properties for the MCPCat event, recorded as JSON in `mcpcat.properties`. */
  eventProperties?: (
    request: McpRequest,
    extra: McpRequestExtra,
  ) => Record<string, unknown> | null | undefined;
  /**
   * Also make spans for notifications: a SERVER span for each one received, a CLIENT span for
   * each one sent (its trace context in `params._meta` when it has params). Off by default:
   * progress and logging notifications can outnumber requests many times over. They are not
   * measured in the operation duration metrics, and make no MCPCat event.
   */
  captureNotifications?: boolean;
  /** Called when a request's span starts, with the span active. */
  requestHook?: (span: Span, info: McpRequestHookInfo) => void;
  /** Called before a request's span ends, with what was sent back. */
  responseHook?: (span: Span, info: McpResponseHookInfo) => void;
}
