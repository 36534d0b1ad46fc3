/*
 * Who is at each end of a connection, as each direction knows it: the `mcpcat.server.*` and
 * `mcpcat.client.*` names of a request span.
 */
import { clientFromHeaders, type Peers } from "./attributes.js";
import type { McpRequest, McpRequestExtra } from "./config.js";
import { type ConnectionState, rememberClient } from "./connection.js";
import { envelopeClientInfo } from "./era.js";
import type { ProtocolLike, SendingProtocol } from "./internal-types.js";

/** The peers of a handled request, and whether a `Client` handles it (a server-initiated one). */
export type HandledPeers = Peers & { handledByClient?: boolean };

/**
 * The peers of a request this process handles. Client info never crosses from one caller to
 * another: it comes from the request itself (modern envelope), from this connection's
 * `initialize` (remembered when stateful), or per request from HTTP headers.
 */
export function handledRequestPeers(
  protocol: ProtocolLike,
  connection: ConnectionState,
  request: McpRequest,
  extra: McpRequestExtra,
): HandledPeers {
  const own = protocol._serverInfo;
  const server = own ?? protocol._serverVersion;
  const peers: HandledPeers = {
    serverName: server?.name,
    serverVersion: server?.version,
  };
  const envelope = envelopeClientInfo(request);
  if (!own && protocol._clientInfo) {
    // A Client handling a server-initiated request: the client is this process.
    peers.handledByClient = true;
    peers.clientName = protocol._clientInfo.name;
    peers.clientVersion = protocol._clientInfo.version;
  } else if (envelope !== undefined) {
    // Modern era: every request names its own client.
    Object.assign(peers, envelope);
  } else if (request.method === "initialize") {
    const info = request.params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
    peers.clientName = typeof info?.name === "string" ? info.name : undefined;
    peers.clientVersion = typeof info?.version === "string" ? info.version : undefined;
    rememberClient(connection, peers.clientName, peers.clientVersion);
  } else if (!connection.stateless && connection.clientName !== undefined) {
    peers.clientName = connection.clientName;
    peers.clientVersion = connection.clientVersion;
  } else if (connection.isHttp) {
    // Per request: on a stateless server each request may come from another client.
    Object.assign(peers, clientFromHeaders(extra));
  }
  return peers;
}

/** The peers of a request this process sends, as its `Protocol` knows them. */
export function sentRequestPeers(protocol: SendingProtocol): Peers {
  if (protocol._serverInfo) {
    // A Server sending a request to its client (sampling, elicitation, roots).
    const { name, version } = protocol._serverInfo;
    const client = protocol._clientVersion;
    return {
      serverName: name,
      serverVersion: version,
      clientName: client?.name,
      clientVersion: client?.version,
    };
  }
  const server = protocol._serverVersion;
  const client = protocol._clientInfo;
  return {
    serverName: server?.name,
    serverVersion: server?.version,
    clientName: client?.name,
    clientVersion: client?.version,
  };
}
