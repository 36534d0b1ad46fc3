/*
 * The request a piece of code runs for, found from the active context: its handler (and
 * whatever it awaits) runs inside the request span's context, which carries the request too.
 * How `publishCustomEvent` knows the request it belongs to, even below the user's own spans.
 */
import { type Context, createContextKey } from "@opentelemetry/api";
import type { RequestSpan } from "./request-span.js";

// `createContextKey` is `Symbol.for`: two copies of this package see the same key.
const REQUEST_SPAN = createContextKey("mcpcat-otel request span");

/** `context` with `tracked` as the request it serves. */
export function withRequestSpan(context: Context, tracked: RequestSpan): Context {
  return context.setValue(REQUEST_SPAN, tracked);
}

/** The request `context` serves, if any. */
export function requestSpanIn(context: Context): RequestSpan | undefined {
  const value = context.getValue(REQUEST_SPAN);
  return value && typeof value === "object" && "span" in value ? (value as RequestSpan) : undefined;
}
