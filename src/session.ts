import { randomUUID } from "node:crypto";

/**
 * What this package remembers about one connection (one transport instance). Held in a
 * WeakMap keyed by the transport, so it lives exactly as long as the connection does: a
 * closed and dropped transport takes its session memory with it, with no cap to tune.
 */
export interface ConnectionState {
  readonly stateless: boolean;
  /** `network.transport` and `network.protocol.name`, from the transport's kind. */
  readonly networkTransport: "pipe" | "tcp" | undefined;
  readonly isHttp: boolean;
  /** Random session id for stateful transports that have none of their own (stdio, in-memory). */
  fallbackSessionId: string | undefined;
  /** From `initialize` on this connection; only ever read when stateful. */
  clientName: string | undefined;
  clientVersion: string | undefined;
  protocolVersion: string | undefined;
  /** The last identity seen on this connection, for `mcpcat:identify` change detection. */
  lastIdentity: { userId: string; userName?: string; dataJson?: string } | undefined;
}

/** A transport as the SDK sees it: only the fields we read. */
export interface TransportLike {
  sessionId?: string;
  send(message: unknown, options?: unknown): Promise<void>;
}

// `PerRequestHTTP`: SDK v2's one-exchange transport (createMcpHandler, modern era).
const HTTP_TRANSPORTS = /StreamableHTTP|SSE|PerRequestHTTP/;

/**
 * Stateless is decided, first match wins: the `stateless` option (or `MCPCAT_STATELESS`, which
 * the caller has already folded into `configured`); then a Streamable HTTP server transport made
 * without a `sessionIdGenerator`, or any HTTP transport that has no session id when its first
 * request arrives (a framework adapter around the SDK's transport); otherwise stateful.
 */
export function isStateless(configured: boolean | undefined, transport: TransportLike): boolean {
  if (configured !== undefined) return configured;
  return (
    isSessionlessHttpTransport(transport) ||
    (isHttpTransport(transport) && transportSessionId(transport) === undefined)
  );
}

function isHttpTransport(transport: object): boolean {
  return HTTP_TRANSPORTS.test(transport.constructor?.name ?? "");
}

function isSessionlessHttpTransport(transport: object): boolean {
  // v1's Node transport wraps a web-standard one, which holds the options.
  const inner =
    (transport as { _webStandardTransport?: object })._webStandardTransport ?? transport;
  return (
    "sessionIdGenerator" in inner &&
    (inner as { sessionIdGenerator?: unknown }).sessionIdGenerator === undefined &&
    typeof (inner as { handleRequest?: unknown }).handleRequest === "function"
  );
}

export function newConnectionState(transport: object, stateless: boolean): ConnectionState {
  const kind = transport.constructor?.name ?? "";
  const isHttp = isHttpTransport(transport);
  return {
    stateless,
    isHttp,
    networkTransport: isHttp ? "tcp" : kind.startsWith("Stdio") ? "pipe" : undefined,
    fallbackSessionId: undefined,
    clientName: undefined,
    clientVersion: undefined,
    protocolVersion: undefined,
    lastIdentity: undefined,
  };
}

/**
 * `mcp.session.id` for a request, on either side: never when stateless; else the transport's own
 * session id (Streamable HTTP `Mcp-Session-Id`); else, for a transport that has no sessions of
 * its own (stdio, in-memory), one random id per connection. An HTTP transport without an id is
 * never given an invented one: that is a stateless server (or a client before `initialize`).
 */
export function sessionIdOf(state: ConnectionState, transport: TransportLike): string | undefined {
  if (state.stateless) return undefined;
  return transportSessionId(transport) ?? (state.isHttp ? undefined : fallbackSessionIdOf(state));
}

function transportSessionId(transport: TransportLike): string | undefined {
  const own = transport.sessionId;
  return typeof own === "string" && own !== "" ? own : undefined;
}

function fallbackSessionIdOf(state: ConnectionState): string {
  state.fallbackSessionId ??= randomUUID();
  return state.fallbackSessionId;
}
