/*
 * What is special about a request this process handles (SERVER span): its parent comes from the
 * caller's `_meta`, user callbacks run before the handler, and the span ends when the response
 * is sent, which is seen by wrapping each connection's `send` once; or when no response will
 * come (cancelled, dropped, connection closed).
 */
import { type Context, context, type Link, SpanKind, trace } from "@opentelemetry/api";
import { runWithAgentTools } from "./agent-tools.js";
import type { McpInstrumentationConfig, McpRequest, McpRequestExtra } from "./config.js";
import {
  addPending,
  claimSessionMeasurement,
  knownConnectionState,
  openPending,
  type PendingConnection,
  takeAllPending,
  takePending,
} from "./connection.js";
import { toJson } from "./content.js";
import { recordTags } from "./event-fields.js";
import { runIdentify } from "./identity.js";
import type {
  JsonRpcResponse,
  ProtocolLike,
  RequestId,
  ResolvedOptions,
  TransportLike,
} from "./internal-types.js";
import { log } from "./log.js";
import type { Patches } from "./patches.js";
import { handledRequestPeers } from "./peers.js";
import { parentFromMeta } from "./propagation.js";
import { withRequestSpan } from "./request-context.js";
import type { RequestSpan } from "./request-span.js";
import { startRequestSpan } from "./request-start.js";
import { requestView } from "./request-view.js";
import { ATTR_MCPCAT_PROPERTIES, ERROR_TYPE_VALUE_CANCELLED } from "./semconv.js";
import { isTaskRelated, watchTaskQueue } from "./task-queue.js";
import type { TracerDeps } from "./tracer-deps.js";
import { guard } from "./utils.js";

/**
 * Makes one SERVER span per request a `Server`/`McpServer` (or a `Client`, for server-initiated
 * requests) handles: started when the request arrives, active while its handler runs, ended when
 * the response or error is sent.
 */
export class ServerRequestTracer {
  constructor(private readonly deps: TracerDeps) {}

  /** Runs the SDK's own `_onrequest` with this request's span as the active context. */
  handle(
    protocol: ProtocolLike,
    request: McpRequest,
    extra: unknown,
    runOriginal: (sent?: McpRequest) => void,
  ) {
    const options = this.deps.options;
    const agentTools = options.agentTools;
    // `toolCallContext` / `reportMissing` change what the SDK sees, whether or not it is traced.
    const run =
      agentTools === undefined
        ? runOriginal
        : () => runWithAgentTools(protocol, request, agentTools, runOriginal);
    const transport = protocol._transport;
    if (!transport || typeof request?.method !== "string" || request.id === null) {
      run();
      return;
    }
    const transportExtra = (extra ?? {}) as McpRequestExtra;
    let tracked: RequestSpan;
    let spanContext: Context;
    try {
      const caller = parentFromMeta(context.active(), request.params?._meta);
      tracked = this.start(protocol, transport, request, transportExtra, options, caller);
      spanContext = withRequestSpan(trace.setSpan(caller.parent, tracked.span), tracked);
    } catch (error) {
      log.error("failed to start the request span", error);
      run();
      return;
    }
    if (isTaskRelated(protocol, request)) watchTaskQueue(protocol, this.deps.patches);
    // Separate: the handler keeps the app's context, with only this request's key added (what
    // publishCustomEvent reads), never our span as its parent.
    const handlerContext = this.deps.separate
      ? withRequestSpan(context.active(), tracked)
      : spanContext;
    context.with(handlerContext, () => {
      try {
        this.beforeHandler(tracked, transport, transportExtra, options.config);
      } catch (error) {
        log.error("failed to record the request", error);
      }
      run();
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
    tracked?.endUnanswered(
      "request cancelled before a response was sent",
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
    takePending(connection, id, "last")?.endUnanswered("dropped by the SDK without a response");
  }

  /** A connection closed: the requests it had not answered will get no response. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && knownConnectionState(transport);
    if (!connection) return;
    if (connection.isServer && claimSessionMeasurement(connection)) {
      const seconds = (performance.now() - connection.startedAt) / 1000;
      this.deps.metrics.recordSession(SpanKind.SERVER, connection, seconds);
    }
    if (!connection.pending || connection.pending.size === 0) return;
    for (const tracked of takeAllPending(connection)) {
      tracked.endUnanswered("connection closed before a response was sent");
    }
  }

  private start(
    protocol: ProtocolLike,
    transport: TransportLike,
    request: McpRequest,
    extra: McpRequestExtra,
    options: ResolvedOptions,
    caller: { parent: Context; links: Link[] | undefined },
  ): RequestSpan {
    const { shared, connection, protocolVersion } = requestView(
      protocol,
      transport,
      request,
      options,
      "handled",
      extra,
    );
    // A modern-era request keeps nothing through `connection`, but is pending on `shared`.
    openPending(shared);
    watchResponses(transport, shared as PendingConnection, this.deps.patches);
    const peers = handledRequestPeers(protocol, connection, request, extra);
    const tracked = startRequestSpan(this.deps, {
      kind: SpanKind.SERVER,
      request,
      transport,
      connection,
      peers,
      protocolVersion,
      parent: caller.parent,
      links: caller.links,
      handledByClient: peers.handledByClient,
    });
    addPending(shared as PendingConnection, request.id as RequestId, tracked);
    return tracked;
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
      if (requestHook) guard("requestHook", () => requestHook(span, { request, extra }));
      if (identify) runIdentify(tracked, identify, extra, this.deps.tracer);
      const tags = eventTags && guard("eventTags", () => eventTags(request, extra));
      if (tags && typeof tags === "object") recordTags(tracked, tags);
      const properties =
        eventProperties && guard("eventProperties", () => eventProperties(request, extra));
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

/**
 * Replaces this connection's `send` once (recorded in `patches`, undone by `disable()`), to end
 * each request's span when its response goes out.
 */
function watchResponses(
  transport: TransportLike,
  connection: PendingConnection,
  patches: Patches,
): void {
  const originalSend = transport.send;
  if (typeof originalSend !== "function" || patches.isReplaced(transport, "send")) return;
  try {
    patches.replace(transport, "send", function send(
      this: unknown,
      message: unknown,
      options?: unknown,
    ) {
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
        tracked?.endUnanswered("the response could not be sent");
        throw error;
      }
      tracked?.endWithResponse(response as JsonRpcResponse);
      return sent;
    } as TransportLike["send"]);
  } catch (error) {
    log.warn(
      "cannot observe responses on this transport; its spans end only on cancel or close",
      error,
    );
  }
}
