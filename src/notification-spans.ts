/*
 * Spans for MCP notifications, when `captureNotifications` is on (off by default: progress and
 * logging notifications can outnumber requests many times over). A notification received makes
 * a SERVER span, a notification sent a CLIENT span, as the conventions name the two sides; both
 * carry the connection's session id, so they share it with the request spans.
 */
import {
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { requestAttributes, spanNameOf } from "./attributes.js";
import type { McpRequest } from "./config.js";
import { type ConnectionState, sessionIdOf, sessionlessView } from "./connection.js";
import { MAX_ERROR_MESSAGE_LENGTH, prepareCaptured } from "./content.js";
import { envelopeProtocolVersion, isModernRevision } from "./era.js";
import type {
  McpNotification,
  ProtocolLike,
  ResolvedOptions,
  SendingProtocol,
  TransportLike,
} from "./internal-types.js";
import { log } from "./log.js";
import { parentFromMeta, withContextInMeta } from "./propagation.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ERROR_TYPE_VALUE_OTHER,
} from "./semconv.js";
import { guardAsync } from "./utils.js";

type ConnectionOf = (
  protocol: ProtocolLike,
  transport: TransportLike,
  options: ResolvedOptions,
) => ConnectionState;

export class NotificationTracer {
  constructor(
    private readonly getTracer: () => Tracer,
    private readonly getOptions: () => ResolvedOptions,
    private readonly connectionOf: ConnectionOf,
  ) {}

  /** A notification arrived: a SERVER span, the active context while its handler is dispatched. */
  received(protocol: ProtocolLike, notification: McpNotification, runOriginal: () => void): void {
    const options = this.getOptions();
    const transport = protocol._transport;
    if (!options.config.captureNotifications || !transport || !isNotification(notification)) {
      runOriginal();
      return;
    }
    let started: [Context, () => void] | undefined;
    try {
      const { parent, links } = parentFromMeta(context.active(), notification.params?._meta);
      const span = this.start(
        protocol,
        transport,
        notification,
        SpanKind.SERVER,
        options,
        parent,
        links,
      );
      started = [trace.setSpan(parent, span), () => span.end()];
    } catch (error) {
      log.error("failed to start the notification span", error);
    }
    if (!started) {
      runOriginal();
      return;
    }
    // The SDK dispatches the handler on a promise it does not return: the span marks the
    // receipt, and the handler's own spans (started in this context) are its children.
    try {
      context.with(started[0], runOriginal);
    } finally {
      started[1]();
    }
  }

  /** A notification is sent: a CLIENT span, its context carried in `params._meta` when it has params. */
  send(
    protocol: ProtocolLike,
    notification: McpNotification,
    runOriginal: (notification: McpNotification) => Promise<void>,
  ): Promise<void> {
    const options = this.getOptions();
    const transport = protocol._transport;
    if (!options.config.captureNotifications || !transport || !isNotification(notification)) {
      return runOriginal(notification);
    }
    let span: Span;
    let spanContext: Context;
    let outgoing = notification;
    try {
      const active = context.active();
      span = this.start(protocol, transport, notification, SpanKind.CLIENT, options, active);
      spanContext = trace.setSpan(active, span);
      // Params are never added where there were none: the SDK debounces only param-less ones.
      if (notification.params) outgoing = withContextInMeta(notification, spanContext);
    } catch (error) {
      log.error("failed to start the notification span", error);
      return runOriginal(notification);
    }
    const pending = context.with(spanContext, () => runOriginal(outgoing));
    // Observed, not chained: the caller gets the SDK's own promise.
    Promise.resolve(pending).then(
      () => span.end(),
      (error: unknown) => endFailed(span, error, options),
    );
    return pending;
  }

  private start(
    protocol: ProtocolLike,
    transport: TransportLike,
    notification: McpNotification,
    kind: SpanKind,
    options: ResolvedOptions,
    parent: Context,
    links?: Link[],
  ): Span {
    const shared = this.connectionOf(protocol, transport, options);
    // A modern-era connection has no session, whatever the transport (as for its requests).
    const negotiated = (protocol as SendingProtocol)._negotiatedProtocolVersion;
    const modern =
      isModernRevision(negotiated) ||
      isModernRevision(envelopeProtocolVersion(notification as McpRequest));
    const connection = modern ? sessionlessView(shared) : shared;
    const request: McpRequest = { id: null, method: notification.method };
    const attributes = requestAttributes(
      request,
      undefined,
      sessionIdOf(connection, transport, options.sessionIdHashKey),
      connection,
      {},
      connection.stateless ? undefined : connection.protocolVersion,
    );
    const server = protocol._serverInfo ?? protocol._serverVersion;
    if (typeof server?.name === "string") attributes[ATTR_MCPCAT_SERVER_NAME] = server.name;
    if (typeof server?.version === "string")
      attributes[ATTR_MCPCAT_SERVER_VERSION] = server.version;
    return this.getTracer().startSpan(
      spanNameOf(notification.method, undefined),
      { kind, attributes, links },
      parent,
    );
  }
}

/**
 * Ends the span of a notification that could not be sent. Its error may quote the other side
 * (an HTTP error body): the status message is redacted and bounded like a request's, and a
 * `redact` that fails leaves no message at all.
 */
function endFailed(span: Span, error: unknown, options: ResolvedOptions): void {
  const endTime = performance.now();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    span.end(endTime);
  };
  span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER);
  span.setStatus({ code: SpanStatusCode.ERROR });
  const later = guardAsync(
    "redact",
    "the notification's error message is not recorded",
    () =>
      prepareCaptured(
        error instanceof Error ? error.message : String(error),
        options.config.redact,
        Math.min(MAX_ERROR_MESSAGE_LENGTH, options.maxContentLength),
      ),
    (message) => {
      if (!ended && typeof message === "string")
        span.setStatus({ code: SpanStatusCode.ERROR, message });
    },
  );
  if (!later) {
    end();
    return;
  }
  const timer = setTimeout(end, options.asyncWorkTimeoutMs);
  timer.unref?.();
  void later.then(() => {
    clearTimeout(timer);
    end();
  });
}

function isNotification(value: unknown): value is McpNotification {
  return typeof (value as McpNotification | undefined)?.method === "string";
}
