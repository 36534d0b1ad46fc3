import {
  type Context,
  context,
  type DiagLogger,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  type Peers,
  requestAttributes,
  type ServerEndpoint,
  serverEndpointOf,
  spanNameOf,
  targetOf,
} from "./attributes.js";
import { isModernRevision } from "./era.js";
import type { McpMetrics } from "./metrics.js";
import { withContextInMeta } from "./propagation.js";
import { RequestSpan, type ResolvedOptions } from "./request-span.js";
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from "./semconv.js";
import type { ProtocolLike } from "./server-request.js";
import {
  type ConnectionState,
  newConnectionState,
  sessionIdOf,
  type TransportLike,
} from "./session.js";
import type { McpRequest } from "./types.js";

/** The parts of an SDK `Protocol` a sent request reads, beyond what a handled one does. */
interface SendingProtocol extends ProtocolLike {
  /** The id the SDK gives the next request it sends. */
  _requestMessageId?: number;
  /** On a `Server`: the client's info from `initialize`. */
  _clientVersion?: { name?: string; version?: string };
  /** SDK v2: the protocol version this side negotiated (a modern one has no session). */
  _negotiatedProtocolVersion?: string;
}

/** What a sending side remembers about one connection. */
interface ClientConnection extends ConnectionState {
  /** `server.address` / `server.port`, for HTTP client transports. */
  readonly endpoint: ServerEndpoint | undefined;
  /** `performance.now()` at the connection's first request: the session duration's start. */
  readonly startedAt: number;
  /** The protocol is a `Client` (a `Server` sending requests to its client makes no client session). */
  readonly isClient: boolean;
  /** A request saw a session id: the connection is a stateful session (measured at close). */
  hadSession: boolean;
  sessionMeasured: boolean;
}

/**
 * Makes one CLIENT span per request a `Client` (or a `Server`, for server-initiated requests
 * such as sampling) sends, and carries its context to the other side in `params._meta`.
 */
export class ClientRequestTracer {
  private readonly connections = new WeakMap<object, ClientConnection>();

  constructor(
    private readonly getTracer: () => Tracer,
    private readonly getOptions: () => ResolvedOptions,
    private readonly diag: DiagLogger,
    private readonly getMetrics: () => McpMetrics,
  ) {}

  /** A connection closed: a stateful client session ends, and its duration is recorded. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && this.connections.get(transport);
    if (!connection?.isClient || !connection.hadSession || connection.sessionMeasured) return;
    connection.sessionMeasured = true;
    const { endpoint } = connection;
    this.getMetrics().recordSession(
      SpanKind.CLIENT,
      { ...connection, serverAddress: endpoint?.address, serverPort: endpoint?.port },
      (performance.now() - connection.startedAt) / 1000,
    );
  }

  /** Runs the SDK's own `request` with the span active and the context in `_meta`. */
  send(
    protocol: SendingProtocol,
    request: McpRequest,
    runOriginal: (request: McpRequest) => Promise<unknown>,
  ): Promise<unknown> {
    const transport = protocol._transport;
    if (!transport || typeof request?.method !== "string") return runOriginal(request);
    let tracked: RequestSpan | undefined;
    let spanContext: Context;
    let outgoing: McpRequest;
    try {
      [tracked, spanContext] = this.start(protocol, transport, request);
      outgoing = withContextInMeta(request, spanContext);
    } catch (error) {
      this.diag.error("failed to start the client span", error);
      tracked?.end("the client span could not be started");
      return runOriginal(request);
    }
    const span = tracked;
    let pending: Promise<unknown>;
    try {
      pending = context.with(spanContext, () => runOriginal(outgoing));
    } catch (error) {
      span.fail(error);
      throw error;
    }
    // Observed, not chained: the caller gets the SDK's own promise.
    Promise.resolve(pending).then(
      (result) => this.safely(() => span.finish({ id: request.id ?? 0, result })),
      (error) => this.safely(() => span.fail(error)),
    );
    return pending;
  }

  /** Recording never rejects: a rejection here would be an unhandled one in the user's app. */
  private safely(record: () => void): void {
    try {
      record();
    } catch (error) {
      this.diag.error("failed to end the client span", error);
    }
  }

  private start(
    protocol: SendingProtocol,
    transport: TransportLike,
    request: McpRequest,
  ): [RequestSpan, Context] {
    const options = this.getOptions();
    let connection = this.connections.get(transport);
    if (!connection) {
      connection = {
        ...newConnectionState(transport, options.stateless === true),
        endpoint: serverEndpointOf(transport),
        startedAt: performance.now(),
        isClient: protocol._serverInfo === undefined,
        hadSession: false,
        sessionMeasured: false,
      };
      this.connections.set(transport, connection);
    }
    const target = targetOf(request);
    const negotiated = protocol._negotiatedProtocolVersion;
    const sessionId = isModernRevision(negotiated) ? undefined : sessionIdOf(connection, transport);
    if (sessionId !== undefined) connection.hadSession = true;
    const peers = peersOf(protocol);
    const id = protocol._requestMessageId;
    // A request that names its own id (v2's `listen:N`) keeps it.
    const withId = typeof id === "number" && request.id == null ? { ...request, id } : request;
    const protocolVersion = (transport as { protocolVersion?: unknown }).protocolVersion;
    const attributes = requestAttributes(
      withId,
      target,
      sessionId,
      connection,
      peers,
      typeof protocolVersion === "string"
        ? protocolVersion
        : (negotiated ?? connection.protocolVersion),
    );
    if (connection.endpoint !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = connection.endpoint.address;
      attributes[ATTR_SERVER_PORT] = connection.endpoint.port;
    }
    const active = context.active();
    const span = this.getTracer().startSpan(
      spanNameOf(request.method, target),
      { kind: SpanKind.CLIENT, attributes },
      active,
    );
    const tracked = new RequestSpan(
      span,
      withId,
      connection,
      peers,
      sessionId,
      options,
      this.diag,
      SpanKind.CLIENT,
    );
    const metrics = this.getMetrics();
    if (metrics.measuresOperations) tracked.measureWith(metrics, attributes);
    if (request.method === "tools/call") tracked.captureToolCall();
    else if (request.method === "prompts/get") tracked.capturePromptArguments();
    return [tracked, trace.setSpan(active, span)];
  }
}

function peersOf(protocol: SendingProtocol): Peers {
  if (protocol._serverInfo) {
    // A Server sending a request to its client (sampling, elicitation, roots).
    const { name, version } = protocol._serverInfo;
    const client = protocol._clientVersion;
    return {
      serverName: name,
      serverVersion: version,
      clientName: client?.name,
      clientVersion: client?.version,
    };
  }
  const server = protocol._serverVersion;
  const client = protocol._clientInfo;
  return {
    serverName: server?.name,
    serverVersion: server?.version,
    clientName: client?.name,
    clientVersion: client?.version,
  };
}
