import {
  type Attributes,
  context,
  type DiagLogger,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { safeExecuteInTheMiddle } from "@opentelemetry/instrumentation";
import {
  addSessionAndPeers,
  CLIENT_FAULT_CODES,
  clientFromHeaders,
  headerOf,
  type Peers,
  requestAttributes,
  spanNameOf,
  targetOf,
} from "./attributes.js";
import { prepareCaptured, toJson, toolErrorText, userIntentOf } from "./content.js";
import {
  identityChanged,
  type ResolvedIdentity,
  setIdentityAttributes,
  toResolvedIdentity,
} from "./identity.js";
import { parentFromMeta } from "./propagation.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCPCAT_PROMPT_ARGUMENTS,
  ATTR_MCPCAT_PROPERTIES,
  ATTR_MCPCAT_TAG_PREFIX,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_OTHER,
  ERROR_TYPE_VALUE_TOOL_ERROR,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "./semconv.js";
import {
  type ConnectionState,
  isStateless,
  newConnectionState,
  sessionIdOf,
  type TransportLike,
} from "./session.js";
import type { McpInstrumentationConfig, McpRequest, McpRequestExtra } from "./types.js";

/** The options of {@link ServerRequestTracer}, resolved once from config and environment. */
export interface ResolvedOptions {
  readonly config: McpInstrumentationConfig;
  /** The option, else `MCPCAT_STATELESS`; `undefined` leaves it to auto-detection. */
  readonly stateless: boolean | undefined;
  readonly captureContent: boolean;
  readonly maxContentLength: number;
  readonly identifyTimeoutMs: number;
}

/** The parts of an SDK `Protocol` (a `Server` or `Client`) this package reads. */
export interface ProtocolLike {
  _transport?: TransportLike;
  _requestHandlerAbortControllers?: Map<unknown, AbortController>;
  _serverInfo?: { name?: string; version?: string };
  _clientInfo?: { name?: string; version?: string };
  _serverVersion?: { name?: string; version?: string };
}

type RequestId = string | number;

interface Connection extends ConnectionState {
  /** Requests awaiting their response, by JSON-RPC id (unique per connection, as the SDK assumes). */
  readonly pending: Map<RequestId, TrackedRequest>;
}

/** One request's span and the work that must settle before the span ends. */
interface TrackedRequest {
  readonly span: Span;
  readonly request: McpRequest;
  readonly connection: Connection;
  readonly peers: Peers;
  readonly sessionId: string | undefined;
  /** Async identify/redaction still running; the span ends when they settle or time out. */
  waits: Promise<void>[] | undefined;
  waitLabels: string[] | undefined;
  deadline: number;
  ended: boolean;
}

interface JsonRpcResponse {
  id: RequestId;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * Makes one SERVER span per request a `Server`/`McpServer` (or a `Client`, for server-initiated
 * requests) handles: started when the request arrives, active while its handler runs, ended when
 * the response or error is sent. Responses are seen by wrapping the connection's `send` once.
 */
export class ServerRequestTracer {
  private readonly connections = new WeakMap<object, Connection>();

  constructor(
    private readonly getTracer: () => Tracer,
    private readonly getOptions: () => ResolvedOptions,
    private readonly diag: DiagLogger,
  ) {}

  /** Runs the SDK's own `_onrequest` with this request's span as the active context. */
  handle(
    protocol: ProtocolLike,
    request: McpRequest,
    extra: unknown,
    runOriginal: () => void,
  ): void {
    const transport = protocol._transport;
    if (!transport || typeof request?.method !== "string" || request.id === null) {
      runOriginal();
      return;
    }
    const options = this.getOptions();
    let tracked: TrackedRequest;
    let spanContext: ReturnType<typeof context.active>;
    const transportExtra = (extra ?? {}) as McpRequestExtra;
    try {
      [tracked, spanContext] = this.start(protocol, transport, request, transportExtra, options);
    } catch (error) {
      this.diag.error("failed to start the request span", error);
      runOriginal();
      return;
    }
    context.with(spanContext, () => {
      this.beforeHandler(tracked, transport, transportExtra, options);
      try {
        runOriginal();
      } finally {
        this.endOnAbort(protocol, tracked);
      }
    });
  }

  private connectionOf(transport: TransportLike, options: ResolvedOptions): Connection {
    let connection = this.connections.get(transport);
    if (connection) return connection;
    const stateless = isStateless(options.stateless, transport);
    connection = { ...newConnectionState(transport, stateless), pending: new Map() };
    this.connections.set(transport, connection);
    this.watchResponses(transport, connection);
    return connection;
  }

  /** Wraps this connection's `send` once, to end each request's span when its response goes out. */
  private watchResponses(transport: TransportLike, connection: Connection): void {
    const originalSend = transport.send;
    if (typeof originalSend !== "function") return;
    const tracer = this;
    try {
      transport.send = function send(this: unknown, message: unknown, ...rest: unknown[]) {
        const response = message as JsonRpcResponse | undefined;
        const id = response?.id;
        const tracked =
          response && id !== undefined && ("result" in response || "error" in response)
            ? connection.pending.get(id)
            : undefined;
        if (tracked) connection.pending.delete(id as RequestId);
        try {
          return originalSend.call(this, message, ...rest);
        } finally {
          if (tracked) tracer.finish(tracked, response as JsonRpcResponse);
        }
      } as TransportLike["send"];
    } catch (error) {
      this.diag.warn(
        "cannot observe responses on this transport; its spans end on abort only",
        error,
      );
    }
  }

  private start(
    protocol: ProtocolLike,
    transport: TransportLike,
    request: McpRequest,
    extra: McpRequestExtra,
    options: ResolvedOptions,
  ): [TrackedRequest, ReturnType<typeof context.active>] {
    const connection = this.connectionOf(transport, options);
    const target = targetOf(request);
    const sessionId = sessionIdOf(connection, transport);
    const peers = this.peersOf(protocol, connection, request, extra);
    const protocolVersion =
      (connection.stateless ? undefined : connection.protocolVersion) ??
      headerOf(extra, "mcp-protocol-version");
    const attributes = requestAttributes(
      request,
      target,
      sessionId,
      connection,
      peers,
      protocolVersion,
    );
    const active = context.active();
    const { parent, links } = parentFromMeta(active, request.params?._meta);
    const span = this.getTracer().startSpan(
      spanNameOf(request.method, target),
      { kind: SpanKind.SERVER, attributes, links },
      parent,
    );
    const tracked: TrackedRequest = {
      span,
      request,
      connection,
      peers,
      sessionId,
      waits: undefined,
      waitLabels: undefined,
      deadline: 0,
      ended: false,
    };
    const previous = connection.pending.get(request.id as RequestId);
    if (previous) this.end(previous, "a new request reused its id before it was answered");
    connection.pending.set(request.id as RequestId, tracked);
    return [tracked, trace.setSpan(parent, span)];
  }

  private peersOf(
    protocol: ProtocolLike,
    connection: Connection,
    request: McpRequest,
    extra: McpRequestExtra,
  ): Peers {
    const own = protocol._serverInfo;
    const server = own ?? protocol._serverVersion;
    const peers: Peers = { serverName: server?.name, serverVersion: server?.version };
    if (!own && protocol._clientInfo) {
      // A Client handling a server-initiated request: the client is this process.
      peers.clientName = protocol._clientInfo.name;
      peers.clientVersion = protocol._clientInfo.version;
      return peers;
    }
    if (request.method === "initialize") {
      const info = request.params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
      peers.clientName = typeof info?.name === "string" ? info.name : undefined;
      peers.clientVersion = typeof info?.version === "string" ? info.version : undefined;
      if (!connection.stateless) {
        connection.clientName = peers.clientName;
        connection.clientVersion = peers.clientVersion;
      }
    } else if (!connection.stateless && connection.clientName !== undefined) {
      peers.clientName = connection.clientName;
      peers.clientVersion = connection.clientVersion;
    } else if (connection.isHttp) {
      // Per request: on a stateless server each request may come from another client.
      Object.assign(peers, clientFromHeaders(extra));
    }
    return peers;
  }

  /** User hooks and request-side captures, in the request's context, before the handler runs. */
  private beforeHandler(
    tracked: TrackedRequest,
    transport: TransportLike,
    transportExtra: McpRequestExtra,
    options: ResolvedOptions,
  ): void {
    const { config } = options;
    const { span, request } = tracked;
    const needsExtra =
      config.identify || config.eventTags || config.eventProperties || config.requestHook;
    const extra: McpRequestExtra | undefined = needsExtra
      ? {
          sessionId: transport.sessionId,
          requestId: request.id,
          authInfo: transportExtra.authInfo,
          requestInfo: transportExtra.requestInfo,
        }
      : undefined;
    if (config.requestHook && extra) {
      const hook = config.requestHook;
      this.guard("requestHook", () => hook(span, { request, extra }));
    }
    if (config.identify && extra) this.identify(tracked, config.identify, extra, options);
    if (config.eventTags && extra) {
      const tags = this.guard("eventTags", () => config.eventTags?.(request, extra));
      if (tags && typeof tags === "object") {
        for (const [key, value] of Object.entries(tags)) {
          if (typeof value === "string") span.setAttribute(ATTR_MCPCAT_TAG_PREFIX + key, value);
        }
      }
    }
    if (config.eventProperties && extra) {
      const properties = this.guard("eventProperties", () =>
        config.eventProperties?.(request, extra),
      );
      const json = properties && typeof properties === "object" ? toJson(properties) : undefined;
      if (json !== undefined) span.setAttribute(ATTR_MCPCAT_PROPERTIES, json);
    }
    const args = request.params?.arguments;
    if (request.method === "tools/call") {
      const intent = userIntentOf(args);
      if (intent !== undefined) this.capture(tracked, ATTR_MCPCAT_USER_INTENT, intent, options);
      if (options.captureContent)
        this.captureJson(tracked, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, args, options);
    } else if (request.method === "prompts/get" && options.captureContent) {
      this.captureJson(tracked, ATTR_MCPCAT_PROMPT_ARGUMENTS, args, options);
    }
  }

  private identify(
    tracked: TrackedRequest,
    identify: NonNullable<McpInstrumentationConfig["identify"]>,
    extra: McpRequestExtra,
    options: ResolvedOptions,
  ): void {
    let result: unknown;
    try {
      result = identify(tracked.request, extra);
    } catch (error) {
      this.diag.warn("identify threw; the span has no identity", error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.applyIdentity(tracked, toResolvedIdentity(result));
      return;
    }
    this.waitFor(
      tracked,
      "identify",
      Promise.resolve(result).then(
        (value) => this.applyIdentity(tracked, toResolvedIdentity(value)),
        (error) => this.diag.warn("identify rejected; the span has no identity", error),
      ),
      options,
    );
  }

  private applyIdentity(tracked: TrackedRequest, identity: ResolvedIdentity | undefined): void {
    if (!identity || tracked.ended) return;
    setIdentityAttributes(tracked.span, identity);
    if (!identityChanged(tracked.connection, identity)) return;
    // One INTERNAL span per change of a stateful session's identity: MCPCat's identify event.
    const attributes: Attributes = {};
    addSessionAndPeers(attributes, tracked.sessionId, tracked.peers);
    const parent = trace.setSpan(context.active(), tracked.span);
    const span = this.getTracer().startSpan(
      MCPCAT_IDENTIFY_SPAN_NAME,
      { kind: SpanKind.INTERNAL, attributes },
      parent,
    );
    setIdentityAttributes(span, identity);
    span.end();
  }

  /** Records a captured string (redacted, truncated); never the unredacted text. */
  private capture(
    tracked: TrackedRequest,
    key: string,
    text: string,
    options: ResolvedOptions,
  ): void {
    let prepared: string | Promise<string>;
    try {
      prepared = prepareCaptured(text, options.config.redact, options.maxContentLength);
    } catch (error) {
      this.diag.warn(`redact threw; ${key} not recorded`, error);
      return;
    }
    if (typeof prepared === "string") {
      tracked.span.setAttribute(key, prepared);
      return;
    }
    const applied = prepared.then(
      (value) => {
        if (!tracked.ended) tracked.span.setAttribute(key, value);
      },
      (error) => this.diag.warn(`redact failed; ${key} not recorded`, error),
    );
    this.waitFor(tracked, "redact", applied, options);
  }

  private captureJson(
    tracked: TrackedRequest,
    key: string,
    value: unknown,
    options: ResolvedOptions,
  ): void {
    const json = toJson(value);
    if (json !== undefined) this.capture(tracked, key, json, options);
  }

  private waitFor(
    tracked: TrackedRequest,
    label: string,
    work: Promise<void>,
    options: ResolvedOptions,
  ) {
    if (!tracked.waits) {
      tracked.waits = [];
      tracked.waitLabels = [];
      tracked.deadline = performance.now() + options.identifyTimeoutMs;
    }
    tracked.waits.push(work);
    tracked.waitLabels?.push(label);
  }

  /** A cancelled request, or one whose connection closed, gets no response: end its span anyway. */
  private endOnAbort(protocol: ProtocolLike, tracked: TrackedRequest): void {
    const controller = protocol._requestHandlerAbortControllers?.get(tracked.request.id);
    if (!controller || tracked.ended) return;
    controller.signal.addEventListener(
      "abort",
      () => {
        const { pending } = tracked.connection;
        if (pending.get(tracked.request.id as RequestId) !== tracked) return;
        pending.delete(tracked.request.id as RequestId);
        this.end(tracked, "request cancelled before a response was sent");
      },
      { once: true },
    );
  }

  private finish(tracked: TrackedRequest, response: JsonRpcResponse): void {
    if (tracked.ended) return;
    const options = this.getOptions();
    const { span, request, connection } = tracked;
    try {
      if (response.error) {
        this.recordJsonRpcError(span, response.error);
      } else {
        const result = response.result as Record<string, unknown> | undefined;
        if (request.method === "tools/call" && result?.isError === true) {
          span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_TOOL_ERROR);
          span.setStatus({ code: SpanStatusCode.ERROR, message: toolErrorText(result) });
        }
        if (request.method === "tools/call" && options.captureContent) {
          this.captureJson(tracked, ATTR_GEN_AI_TOOL_CALL_RESULT, result, options);
        }
        if (request.method === "initialize" && typeof result?.protocolVersion === "string") {
          span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, result.protocolVersion);
          if (!connection.stateless) connection.protocolVersion = result.protocolVersion;
        }
      }
      const hook = options.config.responseHook;
      if (hook) {
        this.guard("responseHook", () =>
          hook(span, { request, result: response.result, error: response.error as never }),
        );
      }
    } catch (error) {
      this.diag.error("failed to record the response", error);
    }
    this.endWhenSettled(tracked);
  }

  private recordJsonRpcError(span: Span, error: NonNullable<JsonRpcResponse["error"]>): void {
    const code = typeof error.code === "number" ? error.code : undefined;
    const message = typeof error.message === "string" ? error.message : "JSON-RPC error";
    if (code !== undefined) span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(code));
    if (code !== undefined && CLIENT_FAULT_CODES.has(code)) return;
    span.setAttribute(ATTR_ERROR_TYPE, code !== undefined ? String(code) : ERROR_TYPE_VALUE_OTHER);
    span.recordException({ name: "McpError", message });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  /** Ends now, or once async identify/redaction settle, never later than their deadline. */
  private endWhenSettled(tracked: TrackedRequest): void {
    const waits = tracked.waits;
    if (!waits) {
      this.end(tracked);
      return;
    }
    const endTime = performance.now();
    const remaining = Math.max(0, tracked.deadline - endTime);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), remaining);
      timer.unref?.();
    });
    void Promise.race([Promise.all(waits), timeout]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === "timeout") {
        this.diag.warn(
          `${tracked.waitLabels?.join(", ")} did not settle within the timeout; the span ends without it`,
        );
      }
      this.end(tracked, undefined, endTime);
    });
  }

  private end(tracked: TrackedRequest, unanswered?: string, endTime?: number): void {
    if (tracked.ended) return;
    tracked.ended = true;
    if (unanswered) {
      tracked.span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER);
      tracked.span.setStatus({ code: SpanStatusCode.ERROR, message: unanswered });
    }
    tracked.span.end(endTime);
  }

  private guard<T>(name: string, run: () => T): T | undefined {
    return safeExecuteInTheMiddle(
      run,
      (error) => {
        if (error) this.diag.warn(`${name} threw`, error);
      },
      true,
    );
  }
}
