import {
  type Context,
  context,
  type DiagLogger,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  clientFromHeaders,
  headerOf,
  type Peers,
  requestAttributes,
  spanNameOf,
  targetOf,
} from "./attributes.js";
import { MAX_SHORT_TEXT_LENGTH, toJson } from "./content.js";
import { envelopeClientInfo, envelopeProtocolVersion, isModernRevision } from "./era.js";
import { recordTags } from "./event-fields.js";
import { runIdentify } from "./identity.js";
import type {
  JsonRpcResponse,
  ProtocolLike,
  RequestId,
  ResolvedOptions,
  TransportLike,
} from "./internal-types.js";
import type { McpMetrics } from "./metrics.js";
import {
  addPending,
  isTaskRelated,
  type PendingConnection,
  takeAllPending,
  takePending,
  watchTaskQueue,
} from "./pending.js";
import { parentFromMeta } from "./propagation.js";
import { guard, RequestSpan } from "./request-span.js";
import {
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPCAT_HANDLED_BY_CLIENT,
  ATTR_MCPCAT_PROPERTIES,
  ERROR_TYPE_VALUE_CANCELLED,
} from "./semconv.js";
import {
  type ConnectionState,
  connectionStateOf,
  isStateless,
  knownConnectionState,
  sessionIdOf,
} from "./session.js";
import { startTarget, takeResourceUri } from "./start-bounds.js";
import type { McpInstrumentationConfig, McpRequest, McpRequestExtra } from "./types.js";

/**
 * Makes one SERVER span per request a `Server`/`McpServer` (or a `Client`, for server-initiated
 * requests) handles: started when the request arrives, active while its handler runs, ended when
 * the response or error is sent. Responses are seen by wrapping each connection's `send` once.
 */
export class ServerRequestTracer {
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
    if (isTaskRelated(protocol, request)) watchTaskQueue(protocol, this.diag);
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
    const connection = protocol._transport && knownConnectionState(protocol._transport);
    // The SDK aborted the handler it registered last under this id.
    const tracked = connection && takePending(connection, requestId as RequestId, "last");
    tracked?.end(
      "request cancelled before a response was sent",
      undefined,
      ERROR_TYPE_VALUE_CANCELLED,
    );
  }

  /**
   * After the SDK's `_onrequest` returned: a request it neither dispatched (no abort controller)
   * nor answered (still pending) was dropped, and will get no response. SDK v2 drops requests
   * its connection's era cannot serve (a server-to-client request on a modern-era connection).
   */
  settleDropped(protocol: ProtocolLike, request: McpRequest): void {
    const controllers = protocol._requestHandlerAbortControllers;
    const id = request?.id as RequestId;
    const connection = protocol._transport && knownConnectionState(protocol._transport);
    if (!connection?.pending?.has(id) || typeof controllers?.has !== "function") return;
    if (controllers.has(id)) return;
    takePending(connection, id, "last")?.end("dropped by the SDK without a response");
  }

  /** A connection closed: the requests it had not answered will get no response. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && knownConnectionState(transport);
    if (!connection) return;
    if (connection.isServer && connection.hadSession && !connection.sessionMeasured) {
      connection.sessionMeasured = true;
      const seconds = (performance.now() - connection.startedAt) / 1000;
      this.getMetrics().recordSession(SpanKind.SERVER, connection, seconds);
    }
    if (!connection.pending || connection.pending.size === 0) return;
    for (const tracked of takeAllPending(connection)) {
      tracked.end("connection closed before a response was sent");
    }
  }

  /** This connection's state, made at its first message; shared with notification spans. */
  connectionOf(
    protocol: ProtocolLike,
    transport: TransportLike,
    options: ResolvedOptions,
  ): PendingConnection {
    const connection = connectionStateOf(
      transport,
      () => isStateless(options.stateless, transport),
      protocol._serverInfo !== undefined,
    );
    if (!connection.pending) {
      connection.pending = new Map();
      this.watchResponses(transport, connection as PendingConnection);
    }
    return connection as PendingConnection;
  }

  /** Wraps this connection's `send` once, to end each request's span when its response goes out. */
  private watchResponses(transport: TransportLike, connection: PendingConnection): void {
    const originalSend = transport.send;
    if (typeof originalSend !== "function") return;
    try {
      transport.send = function send(this: unknown, message: unknown, options?: unknown) {
        const response = message as JsonRpcResponse | undefined;
        const id = response?.id;
        // A hit must still be a response: this side's own requests carry ids too.
        const tracked =
          id !== undefined &&
          connection.pending.has(id) &&
          ("result" in response! || "error" in response!)
            ? takePending(connection, id, "active")
            : undefined;
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
    // is read, never kept; the request is pending on the connection itself).
    const modernVersion = envelopeProtocolVersion(request);
    const connection =
      isModernRevision(modernVersion) && !shared.stateless
        ? { ...shared, stateless: true }
        : shared;
    const requested = targetOf(request);
    const target = startTarget(requested, options);
    const sessionId = sessionIdOf(connection, transport, options.sessionIdHashKey);
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
    if (peers.handledByClient) attributes[ATTR_MCPCAT_HANDLED_BY_CLIENT] = true;
    const uri = takeResourceUri(attributes, options);
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
    if (uri !== undefined) tracked.capture(ATTR_MCP_RESOURCE_URI, uri, MAX_SHORT_TEXT_LENGTH);
    if (requested !== target) tracked.captureTarget(requested);
    addPending(shared, request.id as RequestId, tracked);
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
      if (identify) runIdentify(tracked, identify, extra, this.getTracer(), this.diag);
      const tags = eventTags && guard(this.diag, "eventTags", () => eventTags(request, extra));
      if (tags && typeof tags === "object") recordTags(tracked, tags, this.diag);
      const properties =
        eventProperties &&
        guard(this.diag, "eventProperties", () => eventProperties(request, extra));
      const json = properties && typeof properties === "object" ? toJson(properties) : undefined;
      if (json !== undefined) tracked.capture(ATTR_MCPCAT_PROPERTIES, json);
    }
    if (request.method === "tools/call") {
      tracked.captureToolCall();
    } else if (request.method === "prompts/get") {
      tracked.capturePromptArguments();
    }
  }
}

/** Who is at each end of the connection; client info never crosses from one caller to another. */
function peersOf(
  protocol: ProtocolLike,
  connection: ConnectionState,
  request: McpRequest,
  extra: McpRequestExtra,
): Peers & { handledByClient?: boolean } {
  const own = protocol._serverInfo;
  const server = own ?? protocol._serverVersion;
  const peers: Peers & { handledByClient?: boolean } = {
    serverName: server?.name,
    serverVersion: server?.version,
  };
  const envelope = envelopeClientInfo(request);
  if (!own && protocol._clientInfo) {
    // A Client handling a server-initiated request: the client is this process.
    peers.handledByClient = true;
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
