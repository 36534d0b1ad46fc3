/*
 * One path that starts a request span, either direction: session id, attributes, the span, its
 * `RequestSpan`, the duration measurement and the captures that redaction must see first. What
 * differs between a request handled (SERVER) and one sent (CLIENT) comes in as `RequestStart`.
 */
import { type Context, type Link, SpanKind } from "@opentelemetry/api";
import { type Peers, requestAttributes, spanNameOf, targetOf } from "./attributes.js";
import type { McpRequest } from "./config.js";
import { type ConnectionState, noteSession, sessionIdOf } from "./connection.js";
import { MAX_NAME_LENGTH, MAX_SHORT_TEXT_LENGTH } from "./content.js";
import type { TransportLike } from "./internal-types.js";
import { RequestSpan } from "./request-span.js";
import {
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_MCPCAT_HANDLED_BY_CLIENT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "./semconv.js";
import { startSpan } from "./span-life.js";
import { startTarget, takeResourceUri } from "./start-bounds.js";
import type { TracerDeps } from "./tracer-deps.js";
import type { ServerEndpoint } from "./transport.js";

/** What the two directions give the start of a request span. */
export interface RequestStart {
  readonly kind: SpanKind.SERVER | SpanKind.CLIENT;
  /** The request as recorded (a sent one carries the id the SDK gives it). */
  readonly request: McpRequest;
  readonly transport: TransportLike;
  /** The connection's state as this request sees it (`sessionlessView` for a modern-era one). */
  readonly connection: ConnectionState;
  readonly peers: Peers;
  readonly protocolVersion: string | undefined;
  /** SERVER: the caller's context from `_meta`, else the active one; CLIENT: the active one. */
  readonly parent: Context;
  /** SERVER: the ambient span, when the caller's context became the parent. */
  readonly links: Link[] | undefined;
  /** SERVER: a `Client` handles this server-initiated request. */
  readonly handledByClient?: boolean;
  /** CLIENT over HTTP: `server.address` and `server.port`. */
  readonly endpoint?: ServerEndpoint | null;
}

/** Starts the span of one request; it is the caller's to make active and to end. */
export function startRequestSpan(deps: TracerDeps, start: RequestStart): RequestSpan {
  const { request, connection } = start;
  const { options, metrics } = deps;
  // With `redact`, a caller's own name and version (from `initialize`, headers or `_meta`) are
  // its data like any other: recorded once redacted, and left off the identify span.
  const callerPeers =
    options.config.redact && start.kind === SpanKind.SERVER && !start.handledByClient
      ? { clientName: start.peers.clientName, clientVersion: start.peers.clientVersion }
      : undefined;
  const peers = callerPeers
    ? { ...start.peers, clientName: undefined, clientVersion: undefined }
    : start.peers;
  const requested = targetOf(request);
  const target = startTarget(requested, options);
  const sessionId = sessionIdOf(connection, start.transport, options.sessionIdHashKey);
  if (sessionId !== undefined) noteSession(connection);
  const attributes = requestAttributes(
    request,
    target,
    sessionId,
    connection,
    peers,
    start.protocolVersion,
  );
  if (start.handledByClient) attributes[ATTR_MCPCAT_HANDLED_BY_CLIENT] = true;
  if (start.endpoint) {
    attributes[ATTR_SERVER_ADDRESS] = start.endpoint.address;
    attributes[ATTR_SERVER_PORT] = start.endpoint.port;
  }
  const uri = takeResourceUri(attributes, options);
  const span = startSpan(
    deps.tracer,
    spanNameOf(request.method, target),
    start.kind,
    attributes,
    start.parent,
    start.links,
  );
  const tracked = new RequestSpan(span, request, connection, peers, sessionId, options, start.kind);
  tracked.tracer = deps.tracer; // its custom events are recorded with it
  if (metrics.measuresOperations) tracked.measureWith(metrics, attributes);
  if (uri !== undefined) tracked.capture(ATTR_MCP_RESOURCE_URI, uri, MAX_SHORT_TEXT_LENGTH);
  if (requested !== target) tracked.captureTarget(requested);
  if (callerPeers?.clientName) {
    tracked.capture(ATTR_MCPCAT_CLIENT_NAME, callerPeers.clientName, MAX_NAME_LENGTH);
  }
  if (callerPeers?.clientVersion) {
    tracked.capture(ATTR_MCPCAT_CLIENT_VERSION, callerPeers.clientVersion, MAX_NAME_LENGTH);
  }
  return tracked;
}
