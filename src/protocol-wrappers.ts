/*
 * What each wrapped `Protocol` method does around the SDK's own (src/instrumentation.ts decides
 * which methods are wrapped, and unwraps them): hand the request, notification or close to the
 * tracer of its direction, and call the original exactly as the SDK would.
 */
import type { ClientRequestTracer } from "./client-request.js";
import type { McpRequest } from "./config.js";
import type {
  McpNotification,
  OnCancel,
  OnClose,
  OnNotification,
  OnRequest,
  ProtocolLike,
  SendNotification,
  SendNotificationViaCodec,
  SendRequest,
  SendViaCodec,
} from "./internal-types.js";
import type { NotificationTracer } from "./notification-spans.js";
import { v1ShapedExtra } from "./sdk-v2.js";
import type { ServerRequestTracer } from "./server-request.js";

/**
 * `_onrequest` of SDK v1. Without `_oncancel` (1.21 and older, `watchAbort`), a cancelled
 * request is seen through its handler's abort signal.
 */
export function tracedV1OnRequest(
  original: OnRequest,
  requests: ServerRequestTracer,
  watchAbort: boolean,
): OnRequest {
  return function _onrequest(this: ProtocolLike, request: McpRequest, extra?: unknown) {
    requests.handle(this, request, extra, () => {
      original.call(this, request, extra);
      if (watchAbort) endOnAbort(this, request, requests);
    });
  };
}

/** `_onrequest` of SDK v2: its `extra` in v1's shape, and requests its era drops settled. */
export function tracedV2OnRequest(original: OnRequest, requests: ServerRequestTracer): OnRequest {
  return function _onrequest(this: ProtocolLike, request: McpRequest, extra?: unknown) {
    requests.handle(this, request, v1ShapedExtra(extra), () => original.call(this, request, extra));
    requests.settleDropped(this, request);
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

/** SDK v1's `request`: every request sent. */
export function tracedRequest(original: SendRequest, sent: ClientRequestTracer): SendRequest {
  return function request(this: ProtocolLike, outgoing: McpRequest, ...rest: unknown[]) {
    return sent.send(this, outgoing, (withContext) => original.call(this, withContext, ...rest));
  };
}

/** SDK v2's funnel for every request sent. */
export function tracedRequestViaCodec(
  original: SendViaCodec,
  sent: ClientRequestTracer,
): SendViaCodec {
  return function _requestWithSchemaViaCodec(
    this: ProtocolLike,
    codec: unknown,
    outgoing: McpRequest,
    ...rest: unknown[]
  ) {
    return sent.send(this, outgoing, (withContext) =>
      original.call(this, codec, withContext, ...rest),
    );
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

export function tracedNotification(
  original: SendNotification,
  notifications: NotificationTracer,
): SendNotification {
  return function notification(this: ProtocolLike, outgoing: McpNotification, ...rest: unknown[]) {
    return notifications.send(this, outgoing, (withContext) =>
      original.call(this, withContext, ...rest),
    );
  };
}

/** SDK v2's funnel for every notification sent (`notification()` and `ctx.mcpReq.notify`). */
export function tracedNotificationViaCodec(
  original: SendNotificationViaCodec,
  notifications: NotificationTracer,
): SendNotificationViaCodec {
  return function _notificationViaCodec(
    this: ProtocolLike,
    codec: unknown,
    outgoing: McpNotification,
    ...rest: unknown[]
  ) {
    return notifications.send(this, outgoing, (withContext) =>
      original.call(this, codec, withContext, ...rest),
    );
  };
}

/** Ends the span of `request` if the SDK aborts its handler (a `notifications/cancelled`). */
function endOnAbort(protocol: ProtocolLike, request: McpRequest, requests: ServerRequestTracer) {
  const id = request?.id;
  const signal = protocol._requestHandlerAbortControllers?.get(id)?.signal;
  signal?.addEventListener("abort", () => requests.cancelled(protocol, id), { once: true });
}

/**
 * `method`, after `first` (the process's first MCP traffic: a connection or a request, whichever
 * comes first; `first` is a no-op after its first run). Wraps `connect`, `_onrequest` and the
 * request senders.
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
