/*
 * The one way a message (a request handled or sent, a notification) enters its connection: the
 * connection's state, as kept and as this message sees it, and the protocol version its span
 * records. Worked out per message, never cached on the connection: on a sessionful HTTP
 * connection each request brings its own caller, and on a modern-era one its own envelope.
 */
import { headerOf } from "./attributes.js";
import type { McpRequestExtra } from "./config.js";
import { type ConnectionState, connectionStateOf, sessionlessView } from "./connection.js";
import { envelopeProtocolVersion, isModernRevision } from "./era.js";
import type {
  McpNotification,
  ResolvedOptions,
  SendingProtocol,
  TransportLike,
} from "./internal-types.js";
import { isStateless } from "./transport.js";

/** A request this process handles, one it sends, or a notification (either way). */
export type Direction = "handled" | "sent" | "notification";

export interface RequestView {
  /** The connection's state as kept: what it remembers, and the requests awaiting a response. */
  readonly shared: ConnectionState;
  /** As this message sees it: on a modern-era connection, session-less whatever the transport. */
  readonly connection: ConnectionState;
  /** `mcp.protocol.version` for this message's span. */
  readonly protocolVersion: string | undefined;
}

export function requestView(
  protocol: SendingProtocol,
  transport: TransportLike,
  message: McpNotification,
  options: ResolvedOptions,
  direction: Direction,
  extra?: McpRequestExtra,
): RequestView {
  // First sight decides, and is shared by both directions: one session id per connection. A
  // client's HTTP transport has no session id before `initialize`, so only the option counts.
  const shared = connectionStateOf(
    transport,
    () =>
      direction === "sent" ? options.stateless === true : isStateless(options.stateless, transport),
    protocol._serverInfo !== undefined,
  );
  // The era: a modern request says so in its envelope; a v2 protocol knows what it negotiated.
  const envelope = envelopeProtocolVersion(message);
  const negotiated = protocol._negotiatedProtocolVersion;
  const modern = isModernRevision(envelope) || isModernRevision(negotiated);
  const connection = modern ? sessionlessView(shared) : shared;
  const remembered = connection.stateless ? undefined : shared.protocolVersion;
  let protocolVersion: string | undefined;
  if (direction === "handled") {
    // A stateless server answers each request afresh: its HTTP header, never an earlier one's.
    protocolVersion =
      envelope ?? remembered ?? (extra ? headerOf(extra, "mcp-protocol-version") : undefined);
  } else if (direction === "sent") {
    // A client's HTTP transport keeps the version it sends in its header.
    const sent = (transport as { protocolVersion?: unknown }).protocolVersion;
    protocolVersion = typeof sent === "string" ? sent : (negotiated ?? shared.protocolVersion);
  } else {
    protocolVersion = remembered;
  }
  return { shared, connection, protocolVersion };
}
