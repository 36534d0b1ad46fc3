/*
 * Per-connection state: what this package remembers about one connection, and the session
 * policy that reads it. The only module that writes a `ConnectionState`: every change has a
 * named function here.
 */
import { createHmac, randomUUID } from "node:crypto";
import { context, trace } from "@opentelemetry/api";
import type { RequestId, TrackedRequest, TransportLike } from "./internal-types.js";
import {
  isHttpTransport,
  isStdioTransport,
  type ServerEndpoint,
  serverEndpointOf,
  transportSessionId,
} from "./transport.js";

/** The identity last recorded on a connection, as `mcpcat:identify` change detection sees it. */
export interface ConnectionIdentity {
  readonly userId: string;
  readonly userName?: string | undefined;
  readonly dataJson?: string | undefined;
}

/**
 * What this package remembers about one connection (one transport instance). Held in a
 * WeakMap keyed by the transport, so it lives exactly as long as the connection does: a
 * closed and dropped transport takes its session memory with it, with no cap to tune.
 * Read anywhere; written only through the functions of this module.
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
  lastIdentity: ConnectionIdentity | undefined;
  /** Handled requests awaiting their response, by JSON-RPC id (set by the side that handles). */
  pending: Map<RequestId, TrackedRequest> | undefined;
  /** The transport's session id last hashed, and its hash (computed once per connection). */
  hashedFrom: string | undefined;
  hashedId: string | undefined;
  /** Rare: further requests that arrived with an id already pending, oldest first. */
  duplicates: Map<RequestId, TrackedRequest[]> | undefined;
  /** This process's end of the connection is a `Server` (else a `Client`): whose session it is. */
  readonly isServer: boolean;
  /** `performance.now()` when the connection was first seen: the session duration's start. */
  readonly startedAt: number;
  /** A request carried a session id: a stateful session, measured once when it closes. */
  hadSession: boolean;
  sessionMeasured: boolean;
  /** `server.address` / `server.port` of an HTTP client transport (`null`: it has none). */
  endpoint: ServerEndpoint | null | undefined;
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
 * The connection as a request without a session sees it (a modern-era one, whatever the
 * transport): stateless. A copy, read and never kept, so nothing is remembered through it.
 */
export function sessionlessView(state: ConnectionState): ConnectionState {
  return state.stateless ? state : { ...state, stateless: true };
}

// --- what a stateful connection remembers (a stateless one keeps nothing) ---

/** The client's name and version from its `initialize`. */
export function rememberClient(
  state: ConnectionState,
  clientName: string | undefined,
  clientVersion: string | undefined,
): void {
  if (state.stateless) return;
  state.clientName = clientName;
  state.clientVersion = clientVersion;
}

/** The protocol version the `initialize` result agreed. */
export function rememberProtocolVersion(state: ConnectionState, version: string): void {
  if (!state.stateless) state.protocolVersion = version;
}

/**
 * Records the connection's identity and tells whether it is new or changed, which is when a
 * stateful session gets its one `mcpcat:identify` span. Stateless connections keep nothing.
 */
export function rememberIdentity(state: ConnectionState, identity: ConnectionIdentity): boolean {
  if (state.stateless) return false;
  const last = state.lastIdentity;
  if (
    last !== undefined &&
    last.userId === identity.userId &&
    last.userName === identity.userName &&
    last.dataJson === identity.dataJson
  ) {
    return false;
  }
  state.lastIdentity = identity;
  return true;
}

/** Where this HTTP client connection sends (worked out once), `null` when it is not HTTP. */
export function endpointOf(state: ConnectionState, transport: object): ServerEndpoint | null {
  if (state.endpoint === undefined) state.endpoint = serverEndpointOf(transport) ?? null;
  return state.endpoint;
}

// --- the session: its id, and its one duration measurement ---

/** A request carried a session id: the connection is a stateful session. */
export function noteSession(state: ConnectionState): void {
  state.hadSession = true;
}

/** True once, when a stateful session closes: its duration is to be measured now. */
export function claimSessionMeasurement(state: ConnectionState): boolean {
  if (!state.hadSession || state.sessionMeasured) return false;
  state.sessionMeasured = true;
  return true;
}

/**
 * `mcp.session.id` for a request, on either side: never when stateless; else the transport's own
 * session id (Streamable HTTP `Mcp-Session-Id`), as a keyed hash when `hashKey` is given; else,
 * for a transport that has no sessions of its own (stdio, in-memory), one random id per
 * connection. An HTTP transport without an id is never given an invented one: that is a
 * stateless server (or a client before `initialize`).
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

function fallbackSessionIdOf(state: ConnectionState): string {
  state.fallbackSessionId ??= randomUUID();
  return state.fallbackSessionId;
}

// --- handled requests awaiting their response ---

/** A connection whose responses are watched: it has its map of pending requests. */
export interface PendingConnection extends ConnectionState {
  pending: Map<RequestId, TrackedRequest>;
}

/** Gives the connection its map of pending requests; true the first time (watch it then). */
export function openPending(state: ConnectionState): boolean {
  if (state.pending) return false;
  state.pending = new Map();
  return true;
}

/**
 * Two requests in flight with one id (a misbehaving client, a batch) are both kept: each gets
 * its own response and duration.
 */
export function addPending(state: PendingConnection, id: RequestId, tracked: TrackedRequest) {
  if (!state.pending.has(id)) {
    state.pending.set(id, tracked);
    return;
  }
  state.duplicates ??= new Map();
  const list = state.duplicates.get(id);
  if (list) list.push(tracked);
  else state.duplicates.set(id, [tracked]);
}

/**
 * Removes and returns the pending request with this id. With duplicates (rare), `active` picks
 * the request whose handler is sending (its span is the active one: the SDK sends from the
 * handler's promise chain), else the oldest; `last` picks the newest.
 */
export function takePending(
  state: ConnectionState,
  id: RequestId,
  which: "active" | "last",
): TrackedRequest | undefined {
  const first = state.pending?.get(id);
  const rest = state.duplicates?.get(id);
  if (!first || !rest) {
    state.pending?.delete(id);
    return first;
  }
  const all = [first, ...rest];
  let index = all.length - 1;
  if (which === "active") {
    const active = trace.getSpan(context.active());
    index = Math.max(
      0,
      all.findIndex((tracked) => tracked.span === active),
    );
  }
  const [taken] = all.splice(index, 1);
  state.pending!.set(id, all[0]!);
  if (all.length > 1) state.duplicates!.set(id, all.slice(1));
  else state.duplicates!.delete(id);
  return taken;
}

/** Removes and returns every pending request of the connection (it closed). */
export function takeAllPending(state: ConnectionState): TrackedRequest[] {
  const all = [
    ...(state.pending?.values() ?? []),
    ...[...(state.duplicates?.values() ?? [])].flat(),
  ];
  state.pending?.clear();
  state.duplicates = undefined;
  return all;
}
