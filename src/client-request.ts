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
  serverEndpointOf,
  spanNameOf,
  targetOf,
} from "./attributes.js";
import { MAX_SHORT_TEXT_LENGTH } from "./content.js";
import { isModernRevision } from "./era.js";
import type { ResolvedOptions, SendingProtocol, TransportLike } from "./internal-types.js";
import type { McpMetrics } from "./metrics.js";
import { withContextInMeta } from "./propagation.js";
import { RequestSpan } from "./request-span.js";
import { ATTR_MCP_RESOURCE_URI, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from "./semconv.js";
import { connectionStateOf, knownConnectionState, sessionIdOf } from "./session.js";
import { startTarget, takeResourceUri } from "./start-bounds.js";
import type { McpRequest } from "./types.js";

/**
 * Makes one CLIENT span per request a `Client` (or a `Server`, for server-initiated requests
 * such as sampling) sends, and carries its context to the other side in `params._meta`.
 */
export class ClientRequestTracer {
  constructor(
    private readonly getTracer: () => Tracer,
    private readonly getOptions: () => ResolvedOptions,
    private readonly diag: DiagLogger,
    private readonly getMetrics: () => McpMetrics,
  ) {}

  /** A connection closed: a stateful client session ends, and its duration is recorded. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && knownConnectionState(transport);
    if (!connection || connection.isServer || !connection.hadSession) return;
    if (connection.sessionMeasured) return;
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
      span.fail(error, false);
      throw error;
    }
    const answered = this.watchAnswer(protocol, transport, span.request.id);
    // Observed, not chained: the caller gets the SDK's own promise.
    Promise.resolve(pending).then(
      (result) => this.safely(() => span.finish({ id: request.id ?? 0, result })),
      (error) => this.safely(() => span.fail(error, answered?.() ?? true)),
    );
    return pending;
  }

  /**
   * Tells later whether a response reached the SDK's handler of this request while the
   * connection was up. A timeout or an abort rejects without calling it, and a closing
   * connection calls it after dropping its transport: those errors no response carried.
   * `undefined` when the SDK keeps no such handler (then every error counts as answered).
   */
  private watchAnswer(
    protocol: SendingProtocol,
    transport: TransportLike,
    id: McpRequest["id"],
  ): (() => boolean) | undefined {
    const handlers = protocol._responseHandlers;
    const handler = typeof id === "number" ? handlers?.get(id) : undefined;
    if (!handlers || !handler) return undefined;
    let answered = false;
    handlers.set(id as number, (response: unknown) => {
      answered = protocol._transport === transport;
      handler(response);
    });
    return () => answered;
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
    // Shared with the SERVER side of the same connection: one session id in both directions.
    const connection = connectionStateOf(
      transport,
      () => options.stateless === true,
      protocol._serverInfo !== undefined,
    );
    if (connection.endpoint === undefined)
      connection.endpoint = serverEndpointOf(transport) ?? null;
    const requested = targetOf(request);
    const target = startTarget(requested, options);
    const negotiated = protocol._negotiatedProtocolVersion;
    const sessionId = isModernRevision(negotiated)
      ? undefined
      : sessionIdOf(connection, transport, options.sessionIdHashKey);
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
    if (connection.endpoint) {
      attributes[ATTR_SERVER_ADDRESS] = connection.endpoint.address;
      attributes[ATTR_SERVER_PORT] = connection.endpoint.port;
    }
    const uri = takeResourceUri(attributes, options);
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
    if (uri !== undefined) tracked.capture(ATTR_MCP_RESOURCE_URI, uri, MAX_SHORT_TEXT_LENGTH);
    if (requested !== target) tracked.captureTarget(requested);
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
