import { createHmac, randomUUID } from "node:crypto";
import type { TransportLike } from "./internal-types.js";
import type { RequestSpan } from "./request-span.js";

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
  /** Handled requests awaiting their response, by JSON-RPC id (set by the side that handles). */
  pending: Map<string | number, RequestSpan> | undefined;
  /** The transport's session id last hashed, and its hash (computed once per connection). */
  hashedFrom: string | undefined;
  hashedId: string | undefined;
  /** Rare: further requests that arrived with an id already pending, oldest first. */
  duplicates: Map<string | number, RequestSpan[]> | undefined;
  /** This process's end of the connection is a `Server` (else a `Client`): whose session it is. */
  readonly isServer: boolean;
  /** `performance.now()` when the connection was first seen: the session duration's start. */
  readonly startedAt: number;
  /** A request carried a session id: a stateful session, measured once when it closes. */
  hadSession: boolean;
  sessionMeasured: boolean;
  /** `server.address` / `server.port` of an HTTP client transport (`null`: it has none). */
  endpoint: { address: string; port: number } | null | undefined;
}

// One state per transport, shared by the SERVER and CLIENT tracers: a connection has one
// invented session id in both directions. A WeakMap: it lives as long as the transport does.
const states = new WeakMap<object, ConnectionState>();

/**
 * The state of a connection, made on first sight with `stateless()` deciding its mode and
 * `isServer` saying whether this process's end of it is a `Server`.
 */
export function connectionStateOf(
  transport: TransportLike,
  stateless: () => boolean,
  isServer: boolean,
): ConnectionState {
  let state = states.get(transport);
  if (!state) {
    state = newConnectionState(transport, stateless(), isServer);
    states.set(transport, state);
  }
  return state;
}

/** The state of a connection already seen, if any. */
export function knownConnectionState(transport: object): ConnectionState | undefined {
  return states.get(transport);
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

/**
 * By shape first (a minified bundle renames classes): an HTTP server transport handles
 * requests, an HTTP client transport holds its URL. The class name is a fallback.
 */
function isHttpTransport(transport: object): boolean {
  const shape = transport as { handleRequest?: unknown; _url?: unknown };
  return (
    typeof shape.handleRequest === "function" ||
    shape._url instanceof URL ||
    HTTP_TRANSPORTS.test(transport.constructor?.name ?? "")
  );
}

/** stdio: the server side holds its streams, the client side its child's parameters. */
function isStdioTransport(transport: object): boolean {
  return (
    ("_stdin" in transport && "_stdout" in transport) ||
    "_serverParams" in transport ||
    (transport.constructor?.name ?? "").startsWith("Stdio")
  );
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

export function newConnectionState(
  transport: object,
  stateless: boolean,
  isServer = true,
): ConnectionState {
  const isHttp = isHttpTransport(transport);
  return {
    stateless,
    isHttp,
    networkTransport: isHttp ? "tcp" : isStdioTransport(transport) ? "pipe" : undefined,
    fallbackSessionId: undefined,
    clientName: undefined,
    clientVersion: undefined,
    protocolVersion: undefined,
    lastIdentity: undefined,
    pending: undefined,
    duplicates: undefined,
    hashedFrom: undefined,
    hashedId: undefined,
    isServer,
    startedAt: performance.now(),
    hadSession: false,
    sessionMeasured: false,
    endpoint: undefined,
  };
}

/**
 * `mcp.session.id` for a request, on either side: never when stateless; else the transport's own
 * session id (Streamable HTTP `Mcp-Session-Id`), as a keyed hash when `hashKey` is given; else, for a transport that has no sessions of
 * its own (stdio, in-memory), one random id per connection. An HTTP transport without an id is
 * never given an invented one: that is a stateless server (or a client before `initialize`).
 */
export function sessionIdOf(
  state: ConnectionState,
  transport: TransportLike,
  hashKey?: string,
): string | undefined {
  if (state.stateless) return undefined;
  const own = transportSessionId(transport);
  if (own === undefined) return state.isHttp ? undefined : fallbackSessionIdOf(state);
  return hashKey === undefined ? own : hashedSessionId(state, own, hashKey);
}

/**
 * A transport's own session id (`Mcp-Session-Id`) lets whoever holds it act in the session:
 * by default it leaves the process only as a keyed hash, stable for the session, so spans
 * and events still group by it. Invented ids (stdio, in-memory) are never sent anywhere.
 */
function hashedSessionId(state: ConnectionState, own: string, key: string): string {
  if (state.hashedFrom !== own) {
    state.hashedFrom = own;
    state.hashedId = createHmac("sha256", key).update(own).digest("hex").slice(0, 32);
  }
  return state.hashedId!;
}

function transportSessionId(transport: TransportLike): string | undefined {
  const own = transport.sessionId;
  return typeof own === "string" && own !== "" ? own : undefined;
}

function fallbackSessionIdOf(state: ConnectionState): string {
  state.fallbackSessionId ??= randomUUID();
  return state.fallbackSessionId;
}
