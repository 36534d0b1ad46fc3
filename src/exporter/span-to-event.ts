/*
 * The pure mapping from one span of McpInstrumentation to one MCPCat event. No I/O, no state:
 * the same span always gives the same event (the event id included), so a retried export can
 * never make a second event.
 */
import { type Attributes, type AttributeValue, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import {
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  truncate,
} from "../content.js";
import { CLIENT_FAULT_CODES } from "../jsonrpc-errors.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_MCPCAT_HANDLED_BY_CLIENT,
  ATTR_MCPCAT_IDENTIFY_DATA,
  ATTR_MCPCAT_PROPERTIES,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ATTR_MCPCAT_TAG_PREFIX,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_USER_ID,
  ATTR_USER_NAME,
  ERROR_TYPE_VALUE_CANCELLED,
  ERROR_TYPE_VALUE_OTHER,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../semconv.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "../version.js";
import { addCustomFields, isCustomEventSpan } from "./custom-event.js";
import type { MCPCatEvent, SpanToEventOptions } from "./event.js";
import { eventId } from "./event-id.js";
import { VOCABULARIES, type Vocabulary, vocabularyNamed } from "./vocabulary.js";

const DEFAULT_SDK_LANGUAGE = "TypeScript";
const DEFAULT_SDK_VERSION = `${PACKAGE_NAME}/${PACKAGE_VERSION}`;

/**
 * Maps a span of `McpInstrumentation` to an event of the AgentCat API (an `agentcat-api`
 * `PublishEventRequest`), or of the legacy MCPCat API with `vocabulary: "mcpcat"`.
 *
 * Returns `null` for every span that is not an MCP SERVER span (a span with `mcp.method.name`)
 * nor an `mcpcat:identify` span: CLIENT spans and other instrumentations' spans are ignored, as
 * MCPCat tracks the server side. Also `null` for a method that the API's event type enum does
 * not list, unless `includeUnknownMethods` is set.
 */
export function spanToEvent(span: ReadableSpan, options: SpanToEventOptions): MCPCatEvent | null {
  const attrs = span.attributes;
  const vocabulary = vocabularyNamed(options.vocabulary);
  const eventType = eventTypeOf(span, options.includeUnknownMethods === true, vocabulary);
  if (eventType === null) return null;

  const { traceId, spanId } = span.spanContext();
  const startMs = hrTimeToMilliseconds(span.startTime);
  const event: MCPCatEvent = {
    id: eventId(traceId, spanId, startMs),
    projectId: options.projectId,
    sessionId: str(attrs[ATTR_MCP_SESSION_ID]) ?? null,
    eventType: eventType as MCPCatEvent["eventType"],
    timestamp: new Date(startMs),
    // Whole milliseconds: the API stores an integer.
    duration: Math.max(0, Math.round(hrTimeToMilliseconds(span.duration))),
    sdkLanguage: options.sdkLanguage ?? DEFAULT_SDK_LANGUAGE,
  };
  event[vocabulary.versionField] =
    options.sdkVersion ?? options.mcpcatVersion ?? DEFAULT_SDK_VERSION;
  if (eventType === vocabulary.customEventType) addCustomFields(event, attrs);
  else setIfDefined(event, "resourceName", resourceNameOf(attrs));
  setIfDefined(event, "serverName", str(attrs[ATTR_MCPCAT_SERVER_NAME]));
  setIfDefined(event, "serverVersion", str(attrs[ATTR_MCPCAT_SERVER_VERSION]));
  setIfDefined(event, "clientName", str(attrs[ATTR_MCPCAT_CLIENT_NAME]));
  setIfDefined(event, "clientVersion", str(attrs[ATTR_MCPCAT_CLIENT_VERSION]));
  setIfDefined(event, "identifyActorGivenId", str(attrs[ATTR_USER_ID]));
  setIfDefined(event, "identifyActorName", str(attrs[ATTR_USER_NAME]));
  setIfDefined(event, "identifyData", jsonObject(attrs[ATTR_MCPCAT_IDENTIFY_DATA], true));
  setIfDefined(event, "userIntent", str(attrs[ATTR_MCPCAT_USER_INTENT]));
  setIfDefined(event, "parameters", parametersOf(attrs));
  setIfDefined(event, "response", responseOf(attrs[ATTR_GEN_AI_TOOL_CALL_RESULT]));
  setIfDefined(event, "tags", tagsOf(attrs));
  setIfDefined(event, "properties", jsonObject(attrs[ATTR_MCPCAT_PROPERTIES], true));
  const error = errorOf(span);
  if (error !== undefined) {
    event.isError = true;
    event.error = error;
  }
  return event;
}

/** The event type a span maps to in `vocabulary`, or `null` when it makes no event. */
export function eventTypeOf(
  span: ReadableSpan,
  includeUnknown: boolean,
  vocabulary: Vocabulary = VOCABULARIES.agentcat,
): string | null {
  if (span.name === MCPCAT_IDENTIFY_SPAN_NAME) {
    // Only ours: an identify span names a user; any other span of that name is not an event.
    return str(span.attributes[ATTR_USER_ID]) !== undefined ? vocabulary.identifyEventType : null;
  }
  if (isCustomEventSpan(span)) return vocabulary.customEventType;
  // A Client answering its server (ping, sampling) is not the server MCPCat tracks.
  if (span.kind !== SpanKind.SERVER || span.attributes[ATTR_MCPCAT_HANDLED_BY_CLIENT] === true)
    return null;
  const method = str(span.attributes[ATTR_MCP_METHOD_NAME]);
  if (method === undefined) return null;
  const type = `mcp:${method}`;
  return includeUnknown || vocabulary.eventTypes.has(type) ? type : null;
}

/**
 * True when the span would be an event but for its method (counted by the exporter). A
 * notification span (`captureNotifications`) is not an event to miss: the APIs have none.
 */
export function isUnknownMethodSpan(
  span: ReadableSpan,
  vocabulary: Vocabulary = VOCABULARIES.agentcat,
): boolean {
  const method = span.attributes[ATTR_MCP_METHOD_NAME];
  return (
    span.kind === SpanKind.SERVER &&
    span.attributes[ATTR_MCPCAT_HANDLED_BY_CLIENT] !== true &&
    span.name !== MCPCAT_IDENTIFY_SPAN_NAME &&
    typeof method === "string" &&
    !method.startsWith("notifications/") &&
    !vocabulary.eventTypes.has(`mcp:${method}`)
  );
}

function resourceNameOf(attrs: Attributes): string | undefined {
  return (
    str(attrs[ATTR_GEN_AI_TOOL_NAME]) ??
    str(attrs[ATTR_GEN_AI_PROMPT_NAME]) ??
    str(attrs[ATTR_MCP_RESOURCE_URI])
  );
}

/**
 * Shaped as MCPCat's own SDK sends it (`parameters.request.params.arguments`), so the
 * dashboard finds the arguments where it looks for them. Only when content was captured.
 */
function parametersOf(attrs: Attributes): object | undefined {
  const raw = attrs[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS];
  const params: Record<string, unknown> = {};
  if (typeof raw === "string") {
    const parsed = parseJson(raw);
    // Cut to maxContentLength, the JSON may not parse: send the text, flagged, rather than nothing.
    if (parsed.ok) params.arguments = parsed.value;
    else {
      params.arguments = raw;
      params.truncated = true;
    }
  } else {
    const promptArgs = promptVariablesOf(attrs);
    if (promptArgs === undefined) return undefined;
    params.arguments = promptArgs;
  }
  const name = str(attrs[ATTR_GEN_AI_TOOL_NAME]) ?? str(attrs[ATTR_GEN_AI_PROMPT_NAME]);
  if (name !== undefined) params.name = name;
  return { request: { method: str(attrs[ATTR_MCP_METHOD_NAME]), params } };
}

/** A prompt's arguments, back from their `gen_ai.prompt.variable.<name>` attributes. */
function promptVariablesOf(attrs: Attributes): Record<string, unknown> | undefined {
  let args: Record<string, unknown> | undefined;
  for (const key in attrs) {
    if (!key.startsWith(ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX)) continue;
    args ??= {};
    args[key.slice(ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX.length)] = attrs[key];
  }
  return args;
}

function responseOf(raw: AttributeValue | undefined): object | undefined {
  if (typeof raw !== "string") return undefined;
  const parsed = parseJson(raw);
  if (parsed.ok && isPlainObject(parsed.value)) return parsed.value;
  if (parsed.ok) return { value: parsed.value };
  return { text: raw, truncated: true };
}

function tagsOf(attrs: Attributes): Record<string, string> | undefined {
  let tags: Record<string, string> | undefined;
  for (const key in attrs) {
    if (!key.startsWith(ATTR_MCPCAT_TAG_PREFIX)) continue;
    const value = attrs[key];
    if (typeof value !== "string") continue;
    tags ??= {};
    tags[key.slice(ATTR_MCPCAT_TAG_PREFIX.length)] = value;
  }
  return tags;
}

/**
 * `{ message, type, stack, platform }` as MCPCat's SDKs send it. The request failed for the
 * caller when the span is an ERROR or carries a JSON-RPC error code: client-fault codes are
 * not server errors in OpenTelemetry terms (no ERROR status), but MCPCat counts every failed
 * request, as its own SDK does for invalid params or an unknown tool.
 */
function errorOf(span: ReadableSpan): object | undefined {
  const attrs = span.attributes;
  const code = attrValueString(attrs[ATTR_RPC_RESPONSE_STATUS_CODE]);
  const isErrorStatus = span.status.code === SpanStatusCode.ERROR;
  if (!isErrorStatus && code === undefined) return undefined;
  // The client called it off: the server did not fail (MCPCat's own SDK records no error).
  if (attrs[ATTR_ERROR_TYPE] === ERROR_TYPE_VALUE_CANCELLED) return undefined;

  const exception = span.events.find((e) => e.name === "exception")?.attributes;
  const error: Record<string, string> = { platform: "javascript" };
  const exceptionMessage = str(exception?.["exception.message"]);
  // The instrumentation has already redacted and bounded these; the bounds hold here again
  // for spans made elsewhere.
  error.message = truncate(
    exceptionMessage ??
      str(span.status.message) ??
      (code !== undefined
        ? (CLIENT_FAULT_CODES.get(Number(code)) ?? `JSON-RPC error ${code}`)
        : "Error"),
    MAX_ERROR_MESSAGE_LENGTH,
  );
  error.type = truncate(
    str(exception?.["exception.type"]) ??
      str(attrs[ATTR_ERROR_TYPE]) ??
      code ??
      ERROR_TYPE_VALUE_OTHER,
    MAX_SHORT_TEXT_LENGTH,
  );
  const stack = str(exception?.["exception.stacktrace"]);
  if (stack !== undefined) error.stack = truncate(stack, MAX_ERROR_STACK_LENGTH);
  return error;
}

// --- small helpers ---

function str(value: AttributeValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function attrValueString(value: AttributeValue | undefined): string | undefined {
  if (typeof value === "number") return String(value);
  return str(value);
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON object attribute; when cut short (it no longer parses), `{ text, truncated }` if `keepCut`. */
function jsonObject(raw: AttributeValue | undefined, keepCut = false): object | undefined {
  if (typeof raw !== "string") return undefined;
  const parsed = parseJson(raw);
  if (parsed.ok) return isPlainObject(parsed.value) ? parsed.value : undefined;
  return keepCut ? { text: raw, truncated: true } : undefined;
}

function setIfDefined<K extends keyof MCPCatEvent>(
  event: MCPCatEvent,
  key: K,
  value: MCPCatEvent[K] | undefined,
): void {
  if (value !== undefined) event[key] = value as MCPCatEvent[K];
}
