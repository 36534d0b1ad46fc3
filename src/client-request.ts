/*
 * What is special about a request this process sends (CLIENT span): its parent is the active
 * context, its own context rides to the other side in `params._meta`, and it ends when the
 * SDK's promise settles, telling a response's error from a local one (timeout, abort, close).
 */
import { type Context, context, SpanKind, trace } from "@opentelemetry/api";
import type { McpRequest } from "./config.js";
import { claimSessionMeasurement, endpointOf, knownConnectionState } from "./connection.js";
import type { SendingProtocol, TransportLike } from "./internal-types.js";
import { log } from "./log.js";
import type { Patches } from "./patches.js";
import { sentRequestPeers } from "./peers.js";
import { withContextInMeta } from "./propagation.js";
import type { RequestSpan } from "./request-span.js";
import { startRequestSpan } from "./request-start.js";
import { requestView } from "./request-view.js";
import type { TracerDeps } from "./tracer-deps.js";

/**
 * Makes one CLIENT span per request a `Client` (or a `Server`, for server-initiated requests
 * such as sampling) sends, and carries its context to the other side in `params._meta`.
 */
export class ClientRequestTracer {
  constructor(private readonly deps: TracerDeps) {}

  /** A connection closed: a stateful client session ends, and its duration is recorded. */
  closed(transport: TransportLike | undefined): void {
    const connection = transport && knownConnectionState(transport);
    if (!connection || connection.isServer || !claimSessionMeasurement(connection)) return;
    const { endpoint } = connection;
    this.deps.metrics.recordSession(
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
      const active = context.active();
      tracked = this.start(protocol, transport, request, active);
      spanContext = trace.setSpan(active, tracked.span);
      outgoing = withContextInMeta(request, spanContext);
    } catch (error) {
      log.error("failed to start the client span", error);
      tracked?.endUnanswered("the client span could not be started");
      return runOriginal(request);
    }
    const span = tracked;
    let pending: Promise<unknown>;
    try {
      pending = this.deps.separate
        ? runOriginal(outgoing)
        : context.with(spanContext, () => runOriginal(outgoing));
    } catch (error) {
      span.endWithError(error, false);
      throw error;
    }
    const answered = watchAnswer(protocol, transport, span.request.id, this.deps.patches);
    // Observed, not chained: the caller gets the SDK's own promise.
    Promise.resolve(pending).then(
      (result) => {
        answered?.undo();
        safely(() => span.endWithResponse({ id: request.id ?? 0, result }));
      },
      (error) => {
        answered?.undo();
        safely(() => span.endWithError(error, answered?.answered() ?? true));
      },
    );
    return pending;
  }

  private start(
    protocol: SendingProtocol,
    transport: TransportLike,
    request: McpRequest,
    active: Context,
  ): RequestSpan {
    const options = this.deps.options;
    const view = requestView(protocol, transport, request, options, "sent");
    const endpoint = endpointOf(view.shared, transport);
    const id = protocol._requestMessageId;
    // A request that names its own id (v2's `listen:N`) keeps it.
    const withId = typeof id === "number" && request.id == null ? { ...request, id } : request;
    const tracked = startRequestSpan(this.deps, {
      kind: SpanKind.CLIENT,
      request: withId,
      transport,
      connection: view.connection,
      peers: sentRequestPeers(protocol),
      protocolVersion: view.protocolVersion,
      parent: active,
      links: undefined,
      endpoint,
    });
    if (request.method === "tools/call") tracked.captureToolCall();
    else if (request.method === "prompts/get") tracked.capturePromptArguments();
    return tracked;
  }
}

/**
 * Tells later whether a response reached the SDK's handler of this request while the
 * connection was up. A timeout or an abort rejects without calling it, and a closing
 * connection calls it after dropping its transport: those errors no response carried.
 * `undefined` when the SDK keeps no such handler (then every error counts as answered). The
 * handler is replaced through `patches` (undone by `disable()`, or once the request settles).
 */
function watchAnswer(
  protocol: SendingProtocol,
  transport: TransportLike,
  id: McpRequest["id"],
  patches: Patches,
): { answered(): boolean; undo(): void } | undefined {
  const handlers = protocol._responseHandlers;
  const handler = typeof id === "number" ? handlers?.get(id) : undefined;
  if (!handlers || !handler) return undefined;
  let answered = false;
  const undo = patches.replaceEntry(handlers, id as number, (response: unknown) => {
    answered = protocol._transport === transport;
    handler(response);
  });
  return { answered: () => answered, undo };
}

/** Recording never rejects: a rejection here would be an unhandled one in the user's app. */
function safely(record: () => void): void {
  try {
    record();
  } catch (error) {
    log.error("failed to end the client span", error);
  }
}
