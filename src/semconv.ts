/*
 * Every attribute and metric name this package emits, pinned here as constants.
 *
 * Each name is either a convention name, with the registry it comes from cited beside it, or in
 * this package's own `mcpcat.*` namespace. The MCP conventions live in
 * open-telemetry/semantic-conventions-genai (Development stability; first release v0.1.0);
 * `@opentelemetry/semantic-conventions` 1.45 marks every MCP and `gen_ai.*` constant deprecated
 * ("moved"), and incubating entry points are not stable across versions. So, like the contrib
 * packages do for incubating names, we copy what we use. The README's attribute table is
 * checked against the `ATTR_*` names of this file by a test.
 */

// --- MCP. Registry: semantic-conventions-genai `model/mcp/registry.yaml`, which defines only
// these four names under `mcp.*`. ---
export const ATTR_MCP_METHOD_NAME = "mcp.method.name";
export const ATTR_MCP_PROTOCOL_VERSION = "mcp.protocol.version";
export const ATTR_MCP_RESOURCE_URI = "mcp.resource.uri";
export const ATTR_MCP_SESSION_ID = "mcp.session.id";

// --- GenAI. Registry: semantic-conventions-genai `model/gen-ai/registry.yaml` (Development). ---
export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const ATTR_GEN_AI_PROMPT_NAME = "gen_ai.prompt.name";
/** Opt-in: one attribute per prompt argument, `gen_ai.prompt.variable.<name>` (only with `captureContent`). */
export const ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX = "gen_ai.prompt.variable.";
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const ATTR_GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = "execute_tool";

// --- JSON-RPC / RPC. Registry: semantic-conventions `model/jsonrpc`, `model/rpc` (Development). ---
export const ATTR_JSONRPC_REQUEST_ID = "jsonrpc.request.id";
export const ATTR_RPC_RESPONSE_STATUS_CODE = "rpc.response.status_code";

// --- Stable general attributes. Registry: semantic-conventions `model/error`, `model/network`,
// `model/server` (Stable; from the stable entry point, which does not move). ---
export {
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_VALUE_OTHER,
} from "@opentelemetry/semantic-conventions";
/** `error.type` for a tools/call result with `isError: true`. */
export const ERROR_TYPE_VALUE_TOOL_ERROR = "tool_error";
/** `error.type` of a SERVER span whose request the client cancelled: no MCPCat error. */
export const ERROR_TYPE_VALUE_CANCELLED = "cancelled";

// --- User. Registry: semantic-conventions `model/user` (Development). ---
export const ATTR_USER_ID = "user.id";
export const ATTR_USER_NAME = "user.name";

// --- MCPCat: this package's own namespace (no convention name exists for these). ---
/** Name of the MCP server (its `serverInfo`): the conventions define no attribute for it. */
export const ATTR_MCPCAT_SERVER_NAME = "mcpcat.server.name";
export const ATTR_MCPCAT_SERVER_VERSION = "mcpcat.server.version";
/** Name of the MCP client (its `clientInfo`): the conventions define no attribute for it. */
export const ATTR_MCPCAT_CLIENT_NAME = "mcpcat.client.name";
export const ATTR_MCPCAT_CLIENT_VERSION = "mcpcat.client.version";
/** JSON string of `Identity.userData`. */
export const ATTR_MCPCAT_IDENTIFY_DATA = "mcpcat.identify.data";
/** The `context` string a tool call's arguments carry: why the agent made the call. */
export const ATTR_MCPCAT_USER_INTENT = "mcpcat.user_intent";
/** Prefix of `eventTags` attributes: `mcpcat.tag.<key>`. */
export const ATTR_MCPCAT_TAG_PREFIX = "mcpcat.tag.";
/** JSON string of `eventProperties`. */
export const ATTR_MCPCAT_PROPERTIES = "mcpcat.properties";
/**
 * `true` on the SERVER span of a request a `Client` handles (a server's ping, sampling,
 * elicitation, roots): set only on that rare path, so the MCPCat exporter makes no event of it.
 */
export const ATTR_MCPCAT_HANDLED_BY_CLIENT = "mcpcat.handled_by_client";
/** Name of the INTERNAL span emitted when a stateful session's identity is first seen or changes. */
export const MCPCAT_IDENTIFY_SPAN_NAME = "mcpcat:identify";
/** Name of the INTERNAL span `publishCustomEvent` records: MCPCat's custom event. */
export const MCPCAT_CUSTOM_SPAN_NAME = "mcpcat:custom";
/** `publishCustomEvent`'s `resourceName` (redacted, bounded). */
export const ATTR_MCPCAT_CUSTOM_RESOURCE_NAME = "mcpcat.custom.resource_name";
/** JSON of `publishCustomEvent`'s `parameters` (redacted, cut to `maxContentLength`). */
export const ATTR_MCPCAT_CUSTOM_PARAMETERS = "mcpcat.custom.parameters";
/** JSON of `publishCustomEvent`'s `response` (redacted, cut to `maxContentLength`). */
export const ATTR_MCPCAT_CUSTOM_RESPONSE = "mcpcat.custom.response";

// --- Metrics. Registry: semantic-conventions-genai `model/mcp/metrics.yaml` (Development). ---
export const METRIC_MCP_SERVER_OPERATION_DURATION = "mcp.server.operation.duration";
export const METRIC_MCP_CLIENT_OPERATION_DURATION = "mcp.client.operation.duration";
export const METRIC_MCP_SERVER_SESSION_DURATION = "mcp.server.session.duration";
export const METRIC_MCP_CLIENT_SESSION_DURATION = "mcp.client.session.duration";
/** The bucket boundaries the conventions advise for all four histograms, in seconds. */
export const MCP_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
];
