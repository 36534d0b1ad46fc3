/*
 * What users never see: the shapes of the MCP SDK this package reads (both generations share
 * them), the JSON-RPC messages it looks at, and the options once resolved. Types only.
 */
import type { Span } from "@opentelemetry/api";
import type { McpInstrumentationConfig, McpRequest } from "./config.js";

/** A JSON-RPC request id. */
export type RequestId = string | number;

/** A JSON-RPC response (or error response), as sent or queued by the SDK. */
export interface JsonRpcResponse {
  id: RequestId;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/**
 * A handled request awaiting its response, as the connection's state holds it (a `RequestSpan`):
 * the three ways it can end from outside.
 */
export interface TrackedRequest {
  readonly span: Span;
  /** A response was sent (or queued for a task): its result or error is recorded. */
  endWithResponse(response: JsonRpcResponse): void;
  /** No response will be sent (cancelled, dropped, connection closed): `reason` says why. */
  endUnanswered(reason: string, errorType?: string): void;
}

/** A JSON-RPC notification: a request without an id. */
export interface McpNotification {
  method: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

/** A transport as the SDK sees it: only the fields we read. */
export interface TransportLike {
  sessionId?: string;
  send(message: unknown, options?: unknown): Promise<void>;
}

/** The parts of an SDK `Protocol` (a `Server` or `Client`) this package reads. */
export interface ProtocolLike {
  _transport?: TransportLike;
  _requestHandlerAbortControllers?: Map<unknown, AbortController>;
  _serverInfo?: { name?: string; version?: string };
  _clientInfo?: { name?: string; version?: string };
  _serverVersion?: { name?: string; version?: string };
  /** The SDK's experimental tasks: responses to task-related requests are queued here. */
  _taskMessageQueue?: unknown;
  _enqueueTaskMessage?: (taskId: unknown, message: unknown, ...rest: unknown[]) => Promise<void>;
}

/** The parts of an SDK `Protocol` a sent request reads, beyond what a handled one does. */
export interface SendingProtocol extends ProtocolLike {
  /** The id the SDK gives the next request it sends. */
  _requestMessageId?: number;
  /** The SDK's handlers of awaited responses, by request id. */
  _responseHandlers?: Map<number, (response: unknown) => void>;
  /** On a `Server`: the client's info from `initialize`. */
  _clientVersion?: { name?: string; version?: string };
  /** SDK v2: the protocol version this side negotiated (a modern one has no session). */
  _negotiatedProtocolVersion?: string;
}

// The `Protocol` methods wrapped (src/instrumentation.ts), with the signatures we call them by.
export type OnRequest = (this: ProtocolLike, request: McpRequest, extra?: unknown) => void;
export type OnCancel = (
  this: ProtocolLike,
  notification: { params?: { requestId?: unknown } },
) => unknown;
export type OnClose = (this: ProtocolLike) => void;
export type OnNotification = (
  this: ProtocolLike,
  notification: McpNotification,
  ...rest: unknown[]
) => void;
/** `notification` (v1) or `_notificationViaCodec` (v2: a codec first). */
export type SendNotification = (this: ProtocolLike, ...args: unknown[]) => Promise<void>;
/** `request` (v1) or `_requestWithSchemaViaCodec` (v2: a codec first). */
export type SendRequest = (this: ProtocolLike, ...args: unknown[]) => Promise<unknown>;

/**
 * The `Protocol` methods wrapped: requests in and out, cancellations in, the connection closing,
 * notifications in and out. Only `_onrequest` is required; the others are wrapped where a
 * release has them (1.21 has no `_oncancel`: its cancelled requests are seen through their abort
 * signal instead). The send methods are named by each generation (src/reach/generations.ts).
 */
export interface ProtocolPrototype {
  _onrequest: OnRequest;
  /** Attaches a transport: wrapped only to run `register`'s deferred set-up first. */
  connect?: (transport: unknown, ...rest: unknown[]) => Promise<void>;
  _oncancel?: OnCancel;
  _onclose?: OnClose;
  _onnotification?: OnNotification;
  request?: SendRequest;
  _requestWithSchemaViaCodec?: SendRequest;
  notification?: SendNotification;
  _notificationViaCodec?: SendNotification;
}

/** The options of the instrumentation, resolved once from config and environment. */
export interface ResolvedOptions {
  readonly config: McpInstrumentationConfig;
  /** The option, else `MCPCAT_STATELESS`; `undefined` leaves it to auto-detection. */
  readonly stateless: boolean | undefined;
  readonly captureContent: boolean;
  readonly maxContentLength: number;
  /**
   * How long a span may wait, past its end, for async user code to settle: `identify` and an
   * async `redact` (the public option `identifyTimeoutMs`).
   */
  readonly asyncWorkTimeoutMs: number;
  /** Key of the `mcp.session.id` hash; `undefined` when raw ids are exported. */
  readonly sessionIdHashKey: string | undefined;
  /** `toolCallContext` and `reportMissing`; `undefined` when both are off (the request path skips them). */
  readonly agentTools: AgentTools | undefined;
}

/** What `toolCallContext` and `reportMissing` ask of the request path, resolved. */
export interface AgentTools {
  /** The `context` property's description; `undefined` when `toolCallContext` is off. */
  readonly contextDescription: string | undefined;
  readonly reportMissing: boolean;
}
