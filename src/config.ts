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
  /**
   * Ask every tool call for its intent, as AgentCat's SDK does (`enableToolCallContext`, on by
   * default there): each tool in a `tools/list` result gets a required string property
   * `context` in its `inputSchema`, whose description asks the model why it calls the tool.
   * On `tools/call`, `arguments.context` is recorded as `mcpcat.user_intent` (redacted) and
   * taken out of the arguments before the tool's handler and validation see them. Skipped for
   * a tool that declares its own `context` and for a schema with `oneOf`/`allOf`/`anyOf` at
   * the top. `true`, or `{ description }` for your own wording. Off by default: it changes
   * what clients see. Default: `MCPCAT_TOOL_CALL_CONTEXT`, else off.
   */
  toolCallContext?: boolean | { description?: string };
  /**
   * Offer a tool `get_more_tools` (one required string `context`: the caller's goal and what
   * tool would help), as AgentCat's SDK does (`enableReportMissing`, on by default there). A
   * call is answered by this package with a short text and traced like any tool call, its
   * `context` as `mcpcat.user_intent`. Off by default: it changes what clients see. Default:
   * `MCPCAT_REPORT_MISSING`, else off.
   */
  reportMissing?: boolean;
  /** Called when a request's span starts, with the span active. */
  requestHook?: (span: Span, info: McpRequestHookInfo) => void;
  /** Called before a request's span ends, with what was sent back. */
  responseHook?: (span: Span, info: McpResponseHookInfo) => void;
}

/**
 * A custom event, as {@link publishCustomEvent} takes it: the fields of AgentCat's own
 * `publishCustomEvent` data. Every field is optional.
 */
export interface CustomEventData {
  /** What the event is about (a name, like a tool's): the event's `resourceName`. */
  resourceName?: string;
  /** Any JSON value: the event's `parameters`. */
  parameters?: unknown;
  /** Any JSON value: the event's `response`. */
  response?: unknown;
  /** Free text: the event's `userIntent` (and `mcpcat.user_intent` on the span). */
  message?: string;
  /** How long what it reports took, in milliseconds: the span starts that long before now. */
  duration?: number;
  /** Marks the event as an error (also implied by `error`). */
  isError?: boolean;
  /** The error: a string, an `Error`, or `{ message, type, stack }`. */
  error?: unknown;
  /** String tags: the event's `tags` (`mcpcat.tag.<key>`). */
  tags?: Record<string, string>;
  /** Any JSON object: the event's `properties`. */
  properties?: Record<string, unknown>;
}
