/*
 * The custom event: which spans are `publishCustomEvent`'s, and the fields only they carry.
 * The fields every event shares (session, identity, tags, properties, error, intent) are read
 * by the shared mapping.
 */
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import {
  ATTR_MCPCAT_CUSTOM_PARAMETERS,
  ATTR_MCPCAT_CUSTOM_RESOURCE_NAME,
  ATTR_MCPCAT_CUSTOM_RESPONSE,
  MCPCAT_CUSTOM_SPAN_NAME,
} from "../semconv.js";
import { PACKAGE_NAME } from "../version.js";
import type { MCPCatEvent } from "./event.js";

/** A span of `publishCustomEvent`: its name, from this package's tracer (no one else's span). */
export function isCustomEventSpan(span: ReadableSpan): boolean {
  return span.name === MCPCAT_CUSTOM_SPAN_NAME && span.instrumentationScope?.name === PACKAGE_NAME;
}

/** `resourceName`, `parameters` and `response` of a custom event, from its span. */
export function addCustomFields(event: MCPCatEvent, attrs: Attributes): void {
  const resourceName = attrs[ATTR_MCPCAT_CUSTOM_RESOURCE_NAME];
  if (typeof resourceName === "string" && resourceName !== "") event.resourceName = resourceName;
  const parameters = jsonObjectOf(attrs[ATTR_MCPCAT_CUSTOM_PARAMETERS]);
  if (parameters !== undefined) event.parameters = parameters;
  const response = jsonObjectOf(attrs[ATTR_MCPCAT_CUSTOM_RESPONSE]);
  if (response !== undefined) event.response = response;
}

/**
 * The API takes objects: an object as it is, any other JSON value as `{ value }`, and JSON cut
 * short by the bounds (it no longer parses) as `{ text, truncated: true }`.
 */
function jsonObjectOf(raw: AttributeValue | undefined): object | undefined {
  if (typeof raw !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { text: raw, truncated: true };
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : { value };
}
