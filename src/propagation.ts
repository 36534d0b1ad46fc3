import {
  type Context,
  isSpanContextValid,
  type Link,
  propagation,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";

/** Reads trace context from `params._meta` (MCP SEP-414): plain string-valued keys. */
const metaGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === "string" ? value : undefined;
  },
};

/**
 * The parent of a SERVER span: the caller's context from `_meta` when it carries a valid one,
 * else the ambient context (e.g. the HTTP server span). When both exist, the ambient span
 * becomes a link, so neither trace loses the request.
 */
export function parentFromMeta(
  active: Context,
  meta: unknown,
): { parent: Context; links: Link[] | undefined } {
  if (!meta || typeof meta !== "object" || !("traceparent" in meta)) {
    return { parent: active, links: undefined };
  }
  const extracted = propagation.extract(active, meta as Record<string, unknown>, metaGetter);
  const remote = trace.getSpanContext(extracted);
  if (!remote || !isSpanContextValid(remote)) return { parent: active, links: undefined };
  const ambient = trace.getSpanContext(active);
  const links =
    ambient && isSpanContextValid(ambient) && ambient.spanId !== remote.spanId
      ? [{ context: ambient }]
      : undefined;
  return { parent: extracted, links };
}

/**
 * The request to send, carrying `ctx` in `params._meta` (W3C `traceparent`, `tracestate`,
 * `baggage`): a copy, so the caller's objects are never mutated, and the caller's own `_meta`
 * keys win over the injected ones. Unchanged when there is nothing to inject.
 */
export function withContextInMeta<T extends { params?: Record<string, unknown> }>(
  request: T,
  ctx: Context,
): T {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (Object.keys(carrier).length === 0) return request;
  const params = request.params;
  const callerMeta = params?._meta;
  const meta =
    callerMeta && typeof callerMeta === "object" ? { ...carrier, ...callerMeta } : carrier;
  return { ...request, params: { ...params, _meta: meta } };
}
