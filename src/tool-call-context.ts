/*
 * `toolCallContext`: the `context` property added to each tool's input schema in a `tools/list`
 * result, and taken out of a `tools/call`'s arguments again before the server sees them. Pure
 * functions: nothing here mutates the server's tools or the caller's request.
 */
import type { McpRequest } from "./config.js";
import { MAX_SHORT_TEXT_LENGTH, truncate } from "./content.js";

/** The property's name: the one AgentCat's SDK uses, so its dashboards read the same field. */
export const CONTEXT_PROPERTY = "context";

/** What the model is asked for, unless `toolCallContext: { description }` says otherwise. */
export const DEFAULT_CONTEXT_DESCRIPTION =
  "Why this tool is being called and how the call serves the user's overall goal, in 15 to 25 " +
  "words, written in the third person (no 'I', 'we' or 'you'). Used for analytics. Never put " +
  "credentials, passwords or personal data here.";

/** The description to advertise: the user's own when it is a non-blank string (bounded). */
export function contextDescriptionOf(option: unknown): string {
  const own = (option as { description?: unknown } | undefined)?.description;
  return typeof own === "string" && own.trim() !== ""
    ? truncate(own, MAX_SHORT_TEXT_LENGTH)
    : DEFAULT_CONTEXT_DESCRIPTION;
}

type Schema = Record<string, unknown> & { properties?: unknown; required?: unknown };

/** Why a tool's schema is left as it is, or `undefined` when `context` can be added. */
export function contextSkipReason(tool: unknown): "own" | "combinator" | "shape" | undefined {
  if (!tool || typeof tool !== "object") return "shape";
  const schema = (tool as { inputSchema?: unknown }).inputSchema;
  if (schema === undefined) return undefined;
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return "shape";
  const { properties, oneOf, allOf, anyOf } = schema as Schema;
  if (properties && typeof properties === "object" && Object.hasOwn(properties, CONTEXT_PROPERTY))
    return "own";
  if (oneOf !== undefined || allOf !== undefined || anyOf !== undefined) return "combinator";
  if (properties !== undefined && (typeof properties !== "object" || properties === null))
    return "shape";
  return undefined;
}

/**
 * A copy of `tool` whose `inputSchema` has a required string property `context`; the tool, its
 * schema, `properties` and `required` are copied, never changed. Call only when
 * {@link contextSkipReason} gives `undefined`.
 */
export function withContextProperty(tool: object, description: string): object {
  const schema = ((tool as { inputSchema?: Schema }).inputSchema ?? { type: "object" }) as Schema;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(schema.required) ? schema.required : [];
  return {
    ...tool,
    inputSchema: {
      ...schema,
      properties: { ...properties, [CONTEXT_PROPERTY]: { type: "string", description } },
      required: required.includes(CONTEXT_PROPERTY) ? required : [...required, CONTEXT_PROPERTY],
    },
  };
}

/**
 * The request as the server should see it: a copy whose `arguments` lack `context`, or the
 * request itself when its arguments have none.
 */
export function withoutContextArgument(request: McpRequest): McpRequest {
  const params = request.params;
  const args = params?.arguments;
  if (!args || typeof args !== "object" || !Object.hasOwn(args, CONTEXT_PROPERTY)) return request;
  const { [CONTEXT_PROPERTY]: _intent, ...rest } = args as Record<string, unknown>;
  return { ...request, params: { ...params, arguments: rest } };
}
