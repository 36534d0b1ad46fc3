/*
 * What each wrapped method does around the SDK's own (src/instrumentation.ts decides which
 * methods of each generation are wrapped; src/patches.ts undoes them): hand the request,
 * notification or close to the tracer of its direction, and call the original exactly as the
 * SDK would.
 */
import type { ClientRequestTracer } from "./client-request.js";
import type { McpRequest } from "./config.js";
import { isModernRevision } from "./era.js";
import type {
  McpNotification,
  OnCancel,
  OnClose,
  OnNotification,
  OnRequest,
  ProtocolLike,
  SendNotification,
  SendRequest,
} from "./internal-types.js";
import type { NotificationTracer } from "./notification-spans.js";
import type { Patches } from "./patches.js";
import { v1ShapedExtra } from "./request-info.js";
import type { ServerRequestTracer } from "./server-request.js";

/**
 * `_onrequest`. Without `_oncancel` (1.21 and older, `watchAbort`), a cancelled request is seen
 * through its handler's abort signal. SDK v2 (`webExtra`) hands a web request's `extra`, given
 * to the tracer in v1's shape, and (`dropsByEra`) drops requests its era cannot serve.
 */
export function tracedOnRequest(
  original: OnRequest,
  requests: ServerRequestTracer,
  how: { watchAbort: boolean; webExtra: boolean; dropsByEra: boolean },
): OnRequest {
  const { watchAbort, webExtra, dropsByEra } = how;
  return function _onrequest(this: ProtocolLike, request: McpRequest, extra?: unknown) {
    // `sent`: the request as the server should see it (`toolCallContext` takes `context` out).
    requests.handle(this, request, webExtra ? v1ShapedExtra(extra) : extra, (sent = request) => {
      original.call(this, sent, extra);
      if (watchAbort) endOnAbort(this, request, requests);
    });
    if (dropsByEra) requests.settleDropped(this, request);
  };
}

/** Cancelled requests get no response: this ends their spans. */
export function tracedOnCancel(original: OnCancel, requests: ServerRequestTracer): OnCancel {
  return function _oncancel(this: ProtocolLike, notification) {
    const result = original.call(this, notification);
    requests.cancelled(this, notification?.params?.requestId);
    return result;
  };
}

/** A closing connection ends the spans it left unanswered, and its session's measurement. */
export function tracedOnClose(
  original: OnClose,
  requests: ServerRequestTracer,
  sent: ClientRequestTracer,
): OnClose {
  return function _onclose(this: ProtocolLike) {
    const transport = this._transport;
    try {
      original.call(this);
    } finally {
      requests.closed(transport);
      sent.closed(transport);
    }
  };
}

/** The method every request sent funnels into; the request is argument `at` (v2: after a codec). */
export function tracedRequest(
  original: SendRequest,
  sent: ClientRequestTracer,
  at: 0 | 1,
): SendRequest {
  return function request(this: ProtocolLike, ...args: unknown[]) {
    return sent.send(this, args[at] as McpRequest, (withContext) => {
      args[at] = withContext;
      return original.apply(this, args);
    });
  };
}

export function tracedOnNotification(
  original: OnNotification,
  notifications: NotificationTracer,
): OnNotification {
  // SDK v2 passes the transport's `extra` (its era classification) too: handed on untouched.
  return function _onnotification(
    this: ProtocolLike,
    notification: McpNotification,
    ...rest: unknown[]
  ) {
    notifications.received(this, notification, () => original.call(this, notification, ...rest));
  };
}

/**
 * The method every notification sent funnels into (v2: `notification()` and a handler's
 * `ctx.mcpReq.notify`); the notification is argument `at` (v2: after a codec).
 */
export function tracedNotification(
  original: SendNotification,
  notifications: NotificationTracer,
  at: 0 | 1,
): SendNotification {
  return function notification(this: ProtocolLike, ...args: unknown[]) {
    return notifications.send(this, args[at] as McpNotification, (withContext) => {
      args[at] = withContext;
      return original.apply(this, args);
    });
  };
}

/** The parts of a v2 `Client` that `listen` reads. */
interface ListeningClient extends ProtocolLike {
  _nextListenId?: number;
  _negotiatedProtocolVersion?: string;
  _outboundMetaEnvelope(): Record<string, unknown> | undefined;
}
export type Listen = (
  this: ListeningClient,
  filter: unknown,
  options?: unknown,
) => Promise<unknown>;

/**
 * v2's `Client.prototype.listen`: `subscriptions/listen` does not pass through `Protocol` (the
 * client writes it to the transport itself). One CLIENT span, from the call to the server's
 * acknowledgement (or the failure to get one): the stream itself may stay open for hours, and a
 * span held that long measures no operation and is lost if the process dies first. The context
 * rides in the request's `_meta` like any other: `listen` reads the envelope synchronously, so
 * it is lent the injected keys (through `patches`) for the duration of the call.
 */
export function tracedListen(
  original: Listen,
  sent: ClientRequestTracer,
  patches: Patches,
): Listen {
  return function listen(this: ListeningClient, filter: unknown, options?: unknown) {
    // On a legacy-era connection the SDK refuses before anything is sent: no request, no span.
    if (!isModernRevision(this._negotiatedProtocolVersion))
      return original.call(this, filter, options);
    const id = typeof this._nextListenId === "number" ? `listen:${this._nextListenId}` : null;
    const request: McpRequest = { id, method: "subscriptions/listen", params: {} };
    return sent.send(this, request, (withContext) => {
      const injected = withContext.params?._meta;
      const envelope = this._outboundMetaEnvelope;
      if (
        !injected ||
        Object.hasOwn(this, "_outboundMetaEnvelope") ||
        typeof envelope !== "function"
      )
        return original.call(this, filter, options);
      const undo = patches.replace(
        this,
        "_outboundMetaEnvelope",
        function withTraceContext(this: ListeningClient) {
          return { ...injected, ...envelope.call(this) };
        },
      );
      try {
        return original.call(this, filter, options);
      } finally {
        undo();
      }
    });
  };
}

/** Ends the span of `request` if the SDK aborts its handler (a `notifications/cancelled`). */
function endOnAbort(protocol: ProtocolLike, request: McpRequest, requests: ServerRequestTracer) {
  const id = request?.id;
  const signal = protocol._requestHandlerAbortControllers?.get(id)?.signal;
  signal?.addEventListener("abort", () => requests.cancelled(protocol, id), { once: true });
}

/**
 * `method`, after `first` (the process's first MCP traffic: its first connection, before which
 * no message comes or goes; `first` is a no-op after its first run). Wraps `connect`.
 */
export function afterFirstTraffic<F extends (...args: never[]) => unknown>(
  method: F,
  first: () => void,
): F {
  return function (this: unknown, ...args: never[]) {
    try {
      first();
    } catch {
      // Setting up telemetry must never cost the app its connection or request.
    }
    return method.apply(this, args);
  } as F;
}
