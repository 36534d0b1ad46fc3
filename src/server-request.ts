import {
  type Attributes,
  type Context,
  context,
  type DiagLogger,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  addSessionAndPeers,
  clientFromHeaders,
  headerOf,
  type Peers,
  requestAttributes,
  spanNameOf,
  targetOf,
} from "./attributes.js";
import { toJson } from "./content.js";
import { envelopeClientInfo, envelopeProtocolVersion, isModernRevision } from "./era.js";
import {
  identityChanged,
  type ResolvedIdentity,
  setIdentityAttributes,
  toResolvedIdentity,
} from "./identity.js";
import type { McpMetrics } from "./metrics.js";
import { parentFromMeta } from "./propagation.js";
import { guard, type JsonRpcResponse, RequestSpan, type ResolvedOptions } from "./request-span.js";
import {
  ATTR_MCPCAT_PROPERTIES,
  ATTR_MCPCAT_TAG_PREFIX,
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
  readonly pending: Map<RequestId, RequestSpan>;
  /** The protocol is a `Server` (its session is a server session), not a `Client` handling requests. */
  readonly isServer: boolean;
  /** `performance.now()` at the first request: the session duration's start. */
  readonly startedAt: number;
  /** A request saw a session id: the connection is a stateful session (measured at close). */
  hadSession: boolean;
  sessionMeasured: boolean;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * Makes one SERVER span per request a `Server`/`McpServer` (or a `Client`, for server-initiated
 * requests) handles: started when the request arrives, active while its handler runs, ended when
 * the response or error is sent. Responses are seen by wrapping each connection's `send` once.
 */
export class ServerRequestTracer {
  private readonly connections = new WeakMap<object, Connection>();

  constructor(
    private readonly getTracer: () => Tracer,
    private readonly getOptions: () => ResolvedOptions,
    private readonly diag: DiagLogger,
    private readonly getMetrics: () => McpMetrics,
  ) {}

  /** Runs the SDK's own `_onrequest` with this request's span as the active context. */
  handle(protocol: ProtocolLike, request: McpRequest, extra: unknown, runOriginal: () => void) {
    const transport = protocol._transport;
    if (!transport || typeof request?.method !== "string" || request.id === null) {
      runOriginal();
      return;
    }
    const options = this.getOptions();
    const transportExtra = (extra ?? {}) as McpRequestExtra;
    let tracked: RequestSpan;
    let spanContext: Context;
    try {
      [tracked, spanContext] = this.start(protocol, transport, request, transportExtra, options);
    } catch (error) {
      this.diag.error("failed to start the request span", error);
      runOriginal();
      return;
    }
    context.with(spanContext, () => {
      try {
        this.beforeHandler(tracked, transport, transportExtra, options.config);
      } catch (error) {
        this.diag.error("failed to record the request", error);
      }
      runOriginal();
    });
  }

  /**
   * The client cancelled a request (`notifications/cancelled`): no response will be sent, if
   * the SDK did abort its handler (it ignores a falsy id, such as 0).
   */
  cancelled(protocol: ProtocolLike, requestId: unknown): void {
    const controllers = protocol._requestHandlerAbortControllers;
    const aborted = controllers ? controllers.get(requestId)?.signal.aborted : Boolean(requestId);
    if (!aborted) return;
    const connection = protocol._transport && this.connections.get(protocol._transport);
    const tracked = connection?.pending.get(requestId as RequestId);
    if (!connection || !tracked) return;
    connection.pending.delete(requestId as RequestId);
    tracked.end("request cancelled before a response was sent");
  }

  /**
   * After the SDK's `_onrequest` returned: a request it neither dispatched (no abort controller)
   * nor answered (still pending) was dropped, and will get no response. SDK v2 drops requests
   * its connection's era cannot serve (a server-to-client request on a modern-era connection).
   */
  settleDropped(protocol: ProtocolLike, request: McpRequest): void {
    const controllers = protocol._requestHandlerAbortControllers;
    const id = request?.id as RequestId;
    const connection = protocol._transport && this.connections.get(protocol._transport);
    const tracked = connection?.pending.get(id);
    if (!connection || !tracked || typeof controllers?.has !== "function" || controllers.has(id))
      return;
    connection.pending.delete(id);
    tracked.end("dropped by the SDK without a response");
  }

  /** A connection closed: the requests it had not answered will get no response. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && this.connections.get(transport);
    if (!connection) return;
    if (connection.isServer && connection.hadSession && !connection.sessionMeasured) {
      connection.sessionMeasured = true;
      const seconds = (performance.now() - connection.startedAt) / 1000;
      this.getMetrics().recordSession(SpanKind.SERVER, connection, seconds);
    }
    if (connection.pending.size === 0) return;
    for (const tracked of connection.pending.values()) {
      tracked.end("connection closed before a response was sent");
    }
    connection.pending.clear();
  }

  /** This connection's state, made at its first message; shared with notification spans. */
  connectionOf(
    protocol: ProtocolLike,
    transport: TransportLike,
    options: ResolvedOptions,
  ): Connection {
    let connection = this.connections.get(transport);
    if (connection) return connection;
    const stateless = isStateless(options.stateless, transport);
    connection = {
      ...newConnectionState(transport, stateless),
      pending: new Map(),
      isServer: protocol._serverInfo !== undefined,
      startedAt: performance.now(),
      hadSession: false,
      sessionMeasured: false,
    };
    this.connections.set(transport, connection);
    this.watchResponses(transport, connection);
    return connection;
  }

  /** Wraps this connection's `send` once, to end each request's span when its response goes out. */
  private watchResponses(transport: TransportLike, connection: Connection): void {
    const originalSend = transport.send;
    if (typeof originalSend !== "function") return;
    try {
      transport.send = function send(this: unknown, message: unknown, options?: unknown) {
        const response = message as JsonRpcResponse | undefined;
        const id = response?.id;
        // A hit must still be a response: this side's own requests carry ids too.
        let tracked = id === undefined ? undefined : connection.pending.get(id);
        if (tracked && ("result" in response! || "error" in response!)) {
          connection.pending.delete(id as RequestId);
        } else {
          tracked = undefined;
        }
        let sent: Promise<void>;
        try {
          sent = originalSend.call(this, message, options);
        } catch (error) {
          tracked?.end("the response could not be sent");
          throw error;
        }
        tracked?.finish(response as JsonRpcResponse);
        return sent;
      } as TransportLike["send"];
    } catch (error) {
      this.diag.warn(
        "cannot observe responses on this transport; its spans end only on cancel or close",
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
  ): [RequestSpan, Context] {
    const shared = this.connectionOf(protocol, transport, options);
    // A modern-era request has no session, whatever the transport: it keeps nothing (the copy
    // shares `pending` with the connection, and nothing it learns is kept).
    const modernVersion = envelopeProtocolVersion(request);
    const connection =
      isModernRevision(modernVersion) && !shared.stateless
        ? { ...shared, stateless: true }
        : shared;
    const target = targetOf(request);
    const sessionId = sessionIdOf(connection, transport);
    if (sessionId !== undefined) connection.hadSession = true;
    const peers = peersOf(protocol, connection, request, extra);
    const protocolVersion =
      modernVersion ??
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
    const { parent, links } = parentFromMeta(context.active(), request.params?._meta);
    const span = this.getTracer().startSpan(
      spanNameOf(request.method, target),
      { kind: SpanKind.SERVER, attributes, links },
      parent,
    );
    const tracked = new RequestSpan(
      span,
      request,
      connection,
      peers,
      sessionId,
      options,
      this.diag,
    );
    const metrics = this.getMetrics();
    if (metrics.measuresOperations) tracked.measureWith(metrics, attributes);
    const id = request.id as RequestId;
    connection.pending.get(id)?.end("a new request reused its id before it was answered");
    connection.pending.set(id, tracked);
    return [tracked, trace.setSpan(parent, span)];
  }

  /** User callbacks and request-side captures, in the request's context, before the handler. */
  private beforeHandler(
    tracked: RequestSpan,
    transport: TransportLike,
    transportExtra: McpRequestExtra,
    config: McpInstrumentationConfig,
  ): void {
    const { span, request } = tracked;
    if (config.identify || config.eventTags || config.eventProperties || config.requestHook) {
      // What identify and the hooks see: never exported as it is (it holds every header).
      const extra: McpRequestExtra = {
        sessionId: transport.sessionId,
        requestId: request.id,
        authInfo: transportExtra.authInfo,
        requestInfo: transportExtra.requestInfo,
      };
      const { requestHook, identify, eventTags, eventProperties } = config;
      if (requestHook) guard(this.diag, "requestHook", () => requestHook(span, { request, extra }));
      if (identify) this.identify(tracked, identify, extra);
      const tags = eventTags && guard(this.diag, "eventTags", () => eventTags(request, extra));
      if (tags && typeof tags === "object") {
        for (const [key, value] of Object.entries(tags)) {
          if (typeof value === "string") span.setAttribute(ATTR_MCPCAT_TAG_PREFIX + key, value);
        }
      }
      const properties =
        eventProperties &&
        guard(this.diag, "eventProperties", () => eventProperties(request, extra));
      const json = properties && typeof properties === "object" ? toJson(properties) : undefined;
      if (json !== undefined) span.setAttribute(ATTR_MCPCAT_PROPERTIES, json);
    }
    if (request.method === "tools/call") {
      tracked.captureToolCall();
    } else if (request.method === "prompts/get") {
      tracked.capturePromptArguments();
    }
  }

  private identify(
    tracked: RequestSpan,
    identify: NonNullable<McpInstrumentationConfig["identify"]>,
    extra: McpRequestExtra,
  ): void {
    let result: unknown;
    try {
      result = identify(tracked.request, extra);
    } catch (error) {
      this.diag.warn("identify threw; the span has no identity", error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.applyIdentity(tracked, result);
      return;
    }
    const settled = Promise.resolve(result).then(
      (value) => this.applyIdentity(tracked, value),
      (error) => this.diag.warn("identify rejected; the span has no identity", error),
    );
    tracked.waitFor("identify", settled);
  }

  /** What identify returned, checked; reading it is user code too (a getter may throw). */
  private applyIdentity(tracked: RequestSpan, value: unknown): void {
    let identity: ResolvedIdentity | undefined;
    try {
      identity = toResolvedIdentity(value);
    } catch (error) {
      this.diag.warn("identify returned an identity that cannot be read; the span has none", error);
      return;
    }
    if (!identity || tracked.ended) return;
    setIdentityAttributes(tracked.span, identity);
    if (!identityChanged(tracked.connection, identity)) return;
    // One INTERNAL span per change of a stateful session's identity: MCPCat's identify event.
    const attributes: Attributes = {};
    addSessionAndPeers(attributes, tracked.sessionId, tracked.peers);
    const span = this.getTracer().startSpan(
      MCPCAT_IDENTIFY_SPAN_NAME,
      { kind: SpanKind.INTERNAL, attributes },
      trace.setSpan(context.active(), tracked.span),
    );
    setIdentityAttributes(span, identity);
    span.end();
  }
}

/** Who is at each end of the connection; client info never crosses from one caller to another. */
function peersOf(
  protocol: ProtocolLike,
  connection: ConnectionState,
  request: McpRequest,
  extra: McpRequestExtra,
): Peers {
  const own = protocol._serverInfo;
  const server = own ?? protocol._serverVersion;
  const peers: Peers = { serverName: server?.name, serverVersion: server?.version };
  const envelope = envelopeClientInfo(request);
  if (!own && protocol._clientInfo) {
    // A Client handling a server-initiated request: the client is this process.
    peers.clientName = protocol._clientInfo.name;
    peers.clientVersion = protocol._clientInfo.version;
  } else if (envelope !== undefined) {
    // Modern era: every request names its own client.
    Object.assign(peers, envelope);
  } else if (request.method === "initialize") {
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
