import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { addSessionAndPeers } from "./attributes.js";
import type { McpInstrumentationConfig, McpRequestExtra } from "./config.js";
import { rememberIdentity } from "./connection.js";
import { MAX_SHORT_TEXT_LENGTH, toJson, truncate } from "./content.js";
import { log } from "./log.js";
import type { RequestSpan } from "./request-span.js";
import {
  ATTR_MCPCAT_IDENTIFY_DATA,
  ATTR_USER_ID,
  ATTR_USER_NAME,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "./semconv.js";
import { startSpan } from "./span-life.js";
import { guardAsync } from "./utils.js";

/** An identity checked and flattened to what goes on a span. */
export interface ResolvedIdentity {
  readonly userId: string;
  readonly userName: string | undefined;
  readonly dataJson: string | undefined;
}

/**
 * Checks what `identify` returned. `null`/`undefined` mean "anonymous" and are silent;
 * anything else that is not an {@link Identity} is reported and ignored.
 */
export function toResolvedIdentity(value: unknown): ResolvedIdentity | undefined {
  if (value === null || value === undefined) return undefined;
  const candidate = value as { userId?: unknown; userName?: unknown; userData?: unknown };
  const userId =
    typeof candidate.userId === "number" && Number.isFinite(candidate.userId)
      ? String(candidate.userId)
      : candidate.userId;
  if (typeof value !== "object" || typeof userId !== "string" || userId === "") {
    log.warn("identify returned no usable userId; the span has no identity");
    return undefined;
  }
  const userName =
    typeof candidate.userName === "string" && candidate.userName !== ""
      ? candidate.userName
      : undefined;
  let dataJson: string | undefined;
  if (candidate.userData !== undefined && candidate.userData !== null) {
    dataJson = typeof candidate.userData === "object" ? toJson(candidate.userData) : undefined;
    if (dataJson === undefined) log.warn("identify userData is not a JSON object; dropped");
  }
  // Ids and names are short by nature; a runaway one is cut, not exported whole.
  return {
    userId: truncate(userId, MAX_SHORT_TEXT_LENGTH),
    userName: userName === undefined ? undefined : truncate(userName, MAX_SHORT_TEXT_LENGTH),
    dataJson,
  };
}

export function setIdentityAttributes(span: Span, identity: ResolvedIdentity): void {
  span.setAttribute(ATTR_USER_ID, identity.userId);
  if (identity.userName !== undefined) span.setAttribute(ATTR_USER_NAME, identity.userName);
  if (identity.dataJson !== undefined)
    span.setAttribute(ATTR_MCPCAT_IDENTIFY_DATA, identity.dataJson);
}

/**
 * Runs `identify` for a request (user code: guarded), then records what it returned on the
 * request's span, waiting for it (up to the deadline) when it is async.
 */
export function runIdentify(
  tracked: RequestSpan,
  identify: NonNullable<McpInstrumentationConfig["identify"]>,
  extra: McpRequestExtra,
  tracer: Tracer,
): void {
  const later = guardAsync(
    "identify",
    "the span has no identity",
    () => identify(tracked.request, extra),
    // Reading what identify returned is user code too (a getter may throw): guarded as well.
    (value) => applyIdentity(tracked, toResolvedIdentity(value), tracer),
  );
  if (later) tracked.waitFor("identify", later);
}

/** The identity checked, redacted and bounded, on the span (and on an identify span if new). */
function applyIdentity(
  tracked: RequestSpan,
  identity: ResolvedIdentity | undefined,
  tracer: Tracer,
): void {
  if (!identity || tracked.ended) return;
  const data = identity.dataJson;
  if (data === undefined) {
    recordIdentity(tracked, identity, tracer);
    return;
  }
  // userData is redacted and bounded like captured content, whether or not content is captured.
  tracked.prepare("identify data", data, tracked.maxContentLength, (dataJson) => {
    recordIdentity(tracked, { ...identity, dataJson }, tracer);
  });
}

function recordIdentity(tracked: RequestSpan, identity: ResolvedIdentity, tracer: Tracer): void {
  setIdentityAttributes(tracked.span, identity);
  if (!rememberIdentity(tracked.connection, identity)) return;
  // One INTERNAL span per change of a stateful session's identity: MCPCat's identify event.
  const attributes: Attributes = {};
  addSessionAndPeers(attributes, tracked.sessionId, tracked.peers);
  const span = startSpan(
    tracer,
    MCPCAT_IDENTIFY_SPAN_NAME,
    SpanKind.INTERNAL,
    attributes,
    trace.setSpan(context.active(), tracked.span),
  );
  setIdentityAttributes(span, identity);
  span.end();
}
