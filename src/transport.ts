/*
 * What a transport is, read from its shape: HTTP or stdio, stateless or not, where an HTTP client
 * sends. Pure readers; the state kept per connection is in connection.ts.
 */
import type { TransportLike } from "./internal-types.js";

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
export function isHttpTransport(transport: object): boolean {
  const shape = transport as { handleRequest?: unknown; _url?: unknown };
  return (
    typeof shape.handleRequest === "function" ||
    shape._url instanceof URL ||
    HTTP_TRANSPORTS.test(transport.constructor?.name ?? "")
  );
}

/** stdio: the server side holds its streams, the client side its child's parameters. */
export function isStdioTransport(transport: object): boolean {
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

/** The transport's own session id (Streamable HTTP `Mcp-Session-Id`), when it has one. */
export function transportSessionId(transport: TransportLike): string | undefined {
  const own = transport.sessionId;
  return typeof own === "string" && own !== "" ? own : undefined;
}

/** The server a CLIENT sends to over HTTP: `server.address` and `server.port`. */
export interface ServerEndpoint {
  address: string;
  port: number;
}

/**
 * Where an HTTP client transport sends (the SDK's Streamable HTTP and SSE client transports keep
 * their URL in `_url`); `undefined` for any other transport. The port is the URL's, else the
 * scheme's default, as the conventions ask.
 */
export function serverEndpointOf(transport: object): ServerEndpoint | undefined {
  const url = (transport as { _url?: unknown })._url;
  if (!(url instanceof URL) || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return undefined;
  }
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  // URL keeps the brackets of an IPv6 host; the convention's value is the bare address.
  return { address: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}
