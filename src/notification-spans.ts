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
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { messageAttributes, spanNameOf } from "./attributes.js";
import { sessionIdOf } from "./connection.js";
import { MAX_ERROR_MESSAGE_LENGTH } from "./content.js";
import type { McpNotification, ProtocolLike, TransportLike } from "./internal-types.js";
import { log } from "./log.js";
import { parentFromMeta, withContextInMeta } from "./propagation.js";
import { requestView } from "./request-view.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ERROR_TYPE_VALUE_OTHER,
} from "./semconv.js";
import { SpanLife, startSpan } from "./span-life.js";
import type { TracerDeps } from "./tracer-deps.js";

export class NotificationTracer {
  constructor(private readonly deps: TracerDeps) {}

  /** A notification arrived: a SERVER span, the active context while its handler is dispatched. */
  received(protocol: ProtocolLike, notification: McpNotification, runOriginal: () => void): void {
    const transport = this.tracedOn(protocol, notification);
    if (!transport) {
      runOriginal();
      return;
    }
    let started: [Context, SpanLife] | undefined;
    try {
      const { parent, links } = parentFromMeta(context.active(), notification.params?._meta);
      const life = this.start(protocol, transport, notification, SpanKind.SERVER, parent, links);
      started = [trace.setSpan(parent, life.span), life];
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
      started[1].end();
    }
  }

  /** A notification is sent: a CLIENT span, its context carried in `params._meta` when it has params. */
  send(
    protocol: ProtocolLike,
    notification: McpNotification,
    runOriginal: (notification: McpNotification) => Promise<void>,
  ): Promise<void> {
    const transport = this.tracedOn(protocol, notification);
    if (!transport) return runOriginal(notification);
    let life: SpanLife;
    let spanContext: Context;
    let outgoing = notification;
    try {
      const active = context.active();
      life = this.start(protocol, transport, notification, SpanKind.CLIENT, active);
      spanContext = trace.setSpan(active, life.span);
      // Params are never added where there were none: the SDK debounces only param-less ones.
      if (notification.params) outgoing = withContextInMeta(notification, spanContext);
    } catch (error) {
      log.error("failed to start the notification span", error);
      return runOriginal(notification);
    }
    const pending = context.with(spanContext, () => runOriginal(outgoing));
    // Observed, not chained: the caller gets the SDK's own promise.
    Promise.resolve(pending).then(
      () => life.end(),
      (error: unknown) => endFailed(life, error),
    );
    return pending;
  }

  /** The connection's transport when this notification gets a span (`captureNotifications`). */
  private tracedOn(protocol: ProtocolLike, notification: unknown): TransportLike | undefined {
    const captured = this.deps.options.config.captureNotifications;
    const method = (notification as McpNotification | undefined)?.method;
    return captured && typeof method === "string" ? protocol._transport : undefined;
  }

  private start(
    protocol: ProtocolLike,
    transport: TransportLike,
    notification: McpNotification,
    kind: SpanKind,
    parent: Context,
    links?: Link[],
  ): SpanLife {
    const options = this.deps.options;
    const view = requestView(protocol, transport, notification, options, "notification");
    const attributes = messageAttributes(
      notification.method,
      sessionIdOf(view.connection, transport, options.sessionIdHashKey),
      view.connection,
      view.protocolVersion,
    );
    const server = protocol._serverInfo ?? protocol._serverVersion;
    if (typeof server?.name === "string") attributes[ATTR_MCPCAT_SERVER_NAME] = server.name;
    if (typeof server?.version === "string")
      attributes[ATTR_MCPCAT_SERVER_VERSION] = server.version;
    const name = spanNameOf(notification.method, undefined);
    const span = startSpan(this.deps.tracer, name, kind, attributes, parent, links);
    return new SpanLife(span, options);
  }
}

/**
 * Ends the span of a notification that could not be sent. Its error may quote the other side
 * (an HTTP error body): the status message is redacted and bounded like a request's, and a
 * `redact` that fails leaves no message at all.
 */
function endFailed(life: SpanLife, error: unknown): void {
  life.span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER);
  life.span.setStatus({ code: SpanStatusCode.ERROR });
  // The error is the transport's, of any shape: `String()` of a null-prototype object throws, and
  // a throw here would leave the span open and reject a promise nobody handles.
  try {
    const text = error instanceof Error ? error.message : String(error);
    life.prepare(
      "the notification's error message is",
      text,
      MAX_ERROR_MESSAGE_LENGTH,
      (message) => {
        if (message !== undefined) life.span.setStatus({ code: SpanStatusCode.ERROR, message });
      },
    );
  } catch (recordError) {
    log.warn("the notification's error cannot be read; its span has no message", recordError);
  }
  life.endWhenSettled();
}
