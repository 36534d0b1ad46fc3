/*
 * Attribute names this package emits, pinned here as constants.
 *
 * The MCP conventions live in open-telemetry/semantic-conventions-genai at Development
 * stability; `@opentelemetry/semantic-conventions` 1.45 marks every MCP and `gen_ai.*`
 * constant as deprecated ("moved"), and incubating entry points are not stable across
 * versions. So, like the contrib packages do for incubating names, we copy what we use.
 * The README's attribute table is checked against this file by a test.
 */

// --- MCP (semantic-conventions-genai, Development) ---
export const ATTR_MCP_METHOD_NAME = "mcp.method.name";
export const ATTR_MCP_PROTOCOL_VERSION = "mcp.protocol.version";
export const ATTR_MCP_RESOURCE_URI = "mcp.resource.uri";
export const ATTR_MCP_SESSION_ID = "mcp.session.id";
export const ATTR_MCP_SERVER_NAME = "mcp.server.name";
export const ATTR_MCP_SERVER_VERSION = "mcp.server.version";
export const ATTR_MCP_CLIENT_NAME = "mcp.client.name";
export const ATTR_MCP_CLIENT_VERSION = "mcp.client.version";

// --- GenAI (Development) ---
export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const ATTR_GEN_AI_PROMPT_NAME = "gen_ai.prompt.name";
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const ATTR_GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = "execute_tool";

// --- JSON-RPC / RPC (Development) ---
export const ATTR_JSONRPC_REQUEST_ID = "jsonrpc.request.id";
export const ATTR_RPC_RESPONSE_STATUS_CODE = "rpc.response.status_code";

// --- Stable general attributes (from the stable entry point, which does not move) ---
export {
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ERROR_TYPE_VALUE_OTHER,
} from "@opentelemetry/semantic-conventions";
/** `error.type` for a tools/call result with `isError: true`. */
export const ERROR_TYPE_VALUE_TOOL_ERROR = "tool_error";
/** `error.type` of a SERVER span whose request the client cancelled: no MCPCat error. */
export const ERROR_TYPE_VALUE_CANCELLED = "cancelled";

// --- User (Development) ---
export const ATTR_USER_ID = "user.id";
export const ATTR_USER_NAME = "user.name";

// --- MCPCat (this package's own namespace) ---
/** JSON string of `Identity.userData`. */
export const ATTR_MCPCAT_IDENTIFY_DATA = "mcpcat.identify.data";
/** The `context` string a tool call's arguments carry: why the agent made the call. */
export const ATTR_MCPCAT_USER_INTENT = "mcpcat.user_intent";
/** Prefix of `eventTags` attributes: `mcpcat.tag.<key>`. */
export const ATTR_MCPCAT_TAG_PREFIX = "mcpcat.tag.";
/** JSON string of a prompts/get request's arguments (only with `captureContent`). */
export const ATTR_MCPCAT_PROMPT_ARGUMENTS = "mcpcat.prompt.arguments";
/** JSON string of `eventProperties`. */
export const ATTR_MCPCAT_PROPERTIES = "mcpcat.properties";
/**
 * `true` on the SERVER span of a request a `Client` handles (a server's ping, sampling,
 * elicitation, roots): set only on that rare path, so the MCPCat exporter makes no event of it.
 */
export const ATTR_MCPCAT_HANDLED_BY_CLIENT = "mcpcat.handled_by_client";
/** Name of the INTERNAL span emitted when a stateful session's identity is first seen or changes. */
export const MCPCAT_IDENTIFY_SPAN_NAME = "mcpcat:identify";
