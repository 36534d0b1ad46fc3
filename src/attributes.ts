import type { Attributes } from "@opentelemetry/api";
import type { McpRequest, McpRequestExtra } from "./config.js";
import type { ConnectionState } from "./connection.js";
import { MAX_NAME_LENGTH, truncate } from "./content.js";
import { WEB_HEADERS } from "./request-info.js";
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from "./semconv.js";

/** The tool or prompt name of a request: the span name's target. Never a resource URI. */
export function targetOf(request: McpRequest): string | undefined {
  if (request.method !== "tools/call" && request.method !== "prompts/get") return undefined;
  const name = request.params?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** The method is the caller's to choose (an unknown one is recorded too): bounded like a name. */
export function spanNameOf(method: string, target: string | undefined): string {
  const name = truncate(method, MAX_NAME_LENGTH);
  return target === undefined ? name : `${name} ${target}`;
}

/** Who is at each end of the connection, as far as this side knows. */
export interface Peers {
  serverName?: string;
  serverVersion?: string;
  clientName?: string;
  clientVersion?: string;
}

/** Attributes known when a request arrives, given at span start (cheaper than setting later). */
export function requestAttributes(
  request: McpRequest,
  target: string | undefined,
  sessionId: string | undefined,
  state: ConnectionState,
  peers: Peers,
  protocolVersion: string | undefined,
): Attributes {
  const attributes = messageAttributes(request.method, undefined, state, protocolVersion);
  if (request.id !== null && request.id !== undefined) {
    // Bounded: a client chooses its ids (and so their length).
    attributes[ATTR_JSONRPC_REQUEST_ID] = truncate(String(request.id), MAX_NAME_LENGTH);
  }
  if (request.method === "tools/call") {
    attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
    if (target !== undefined) attributes[ATTR_GEN_AI_TOOL_NAME] = target;
  } else if (request.method === "prompts/get") {
    if (target !== undefined) attributes[ATTR_GEN_AI_PROMPT_NAME] = target;
  } else if (request.method.startsWith("resources/")) {
    const uri = request.params?.uri;
    if (typeof uri === "string") attributes[ATTR_MCP_RESOURCE_URI] = uri;
  }
  addSessionAndPeers(attributes, sessionId, peers);
  return attributes;
}

/** What every MCP message's span starts with (a notification's: only these). */
export function messageAttributes(
  method: string,
  sessionId: string | undefined,
  state: ConnectionState,
  protocolVersion: string | undefined,
): Attributes {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: truncate(method, MAX_NAME_LENGTH) };
  if (protocolVersion !== undefined) {
    attributes[ATTR_MCP_PROTOCOL_VERSION] = truncate(protocolVersion, MAX_NAME_LENGTH);
  }
  if (state.networkTransport !== undefined) {
    attributes[ATTR_NETWORK_TRANSPORT] = state.networkTransport;
    if (state.isHttp) attributes[ATTR_NETWORK_PROTOCOL_NAME] = "http";
  }
  if (sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = sessionId;
  return attributes;
}

/** `mcp.session.id` (when stateful) and who is at each end: shared by request and identify spans. */
export function addSessionAndPeers(
  attributes: Attributes,
  sessionId: string | undefined,
  peers: Peers,
): void {
  if (sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = sessionId;
  setIfString(attributes, ATTR_MCPCAT_SERVER_NAME, peers.serverName);
  setIfString(attributes, ATTR_MCPCAT_SERVER_VERSION, peers.serverVersion);
  setIfString(attributes, ATTR_MCPCAT_CLIENT_NAME, peers.clientName);
  setIfString(attributes, ATTR_MCPCAT_CLIENT_VERSION, peers.clientVersion);
}

/** Peer names come from the other side (initialize, headers): bounded. */
function setIfString(attributes: Attributes, key: string, value: unknown): void {
  if (typeof value === "string" && value !== "") attributes[key] = truncate(value, MAX_NAME_LENGTH);
}

/** A single header value, whatever shape the transport gives headers in. */
export function headerOf(extra: McpRequestExtra, name: string): string | undefined {
  const info = extra.requestInfo as (McpRequestExtra["requestInfo"] & WebRequestInfo) | undefined;
  const web = info?.[WEB_HEADERS];
  if (web) return web.get(name) || undefined;
  const headers = info?.headers;
  if (!headers) return undefined;
  const value =
    typeof (headers as unknown as Headers).get === "function"
      ? (headers as unknown as Headers).get(name)
      : headers[name];
  if (Array.isArray(value)) return value[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

interface WebRequestInfo {
  [WEB_HEADERS]?: Headers;
}

const USER_AGENT_PRODUCT = /^([^\s/]+)\/([^\s/]+)/;
/**
 * User-Agent products of browsers and HTTP libraries: they name the tool that sent the
 * request, not the MCP client, and are never recorded as the client's name.
 */
const GENERIC_USER_AGENTS =
  /^(mozilla|opera|node|node-fetch|undici|axios|got|ky|superagent|bun|deno|python-requests|python-httpx|python-urllib\d*|aiohttp|httpx|curl|wget|go-http-client|okhttp|java|apache-httpclient|dart|postmanruntime|insomnia|ruby|faraday|guzzlehttp|reqwest|libcurl)$/i;

/**
 * Client name and version of a request on a stateless server, where each request may come
 * from another client: `x-mcp-client-name`/`-version` headers, else a `Name/Version` User-Agent.
 */
export function clientFromHeaders(
  extra: McpRequestExtra,
): Pick<Peers, "clientName" | "clientVersion"> {
  const name = headerOf(extra, "x-mcp-client-name");
  if (name !== undefined)
    return { clientName: name, clientVersion: headerOf(extra, "x-mcp-client-version") };
  const match = USER_AGENT_PRODUCT.exec(headerOf(extra, "user-agent") ?? "");
  return match && !GENERIC_USER_AGENTS.test(match[1]!)
    ? { clientName: match[1], clientVersion: match[2] }
    : {};
}
