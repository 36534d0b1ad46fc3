import type { Attributes } from "@opentelemetry/api";
import { MAX_NAME_LENGTH, MAX_SHORT_TEXT_LENGTH, truncate } from "./content.js";
import type { ResolvedOptions } from "./internal-types.js";
import { ATTR_MCP_RESOURCE_URI } from "./semconv.js";

/*
 * What a span may carry from its start: strings of the request, bounded, and none that
 * `redact` must see first (those are recorded through `RequestSpan.capture` once redacted).
 */

/**
 * `mcp.resource.uri` is given at span start when no `redact` is set (bounded in place); with
 * one, it is taken out and returned, to be recorded through `capture` once the span exists.
 */
export function takeResourceUri(
  attributes: Attributes,
  options: ResolvedOptions,
): string | undefined {
  const uri = attributes[ATTR_MCP_RESOURCE_URI];
  if (typeof uri !== "string") return undefined;
  if (options.config.redact) {
    delete attributes[ATTR_MCP_RESOURCE_URI];
    return uri;
  }
  const max = Math.min(MAX_SHORT_TEXT_LENGTH, options.maxContentLength);
  if (uri.length > max) attributes[ATTR_MCP_RESOURCE_URI] = truncate(uri, max);
  return undefined;
}

/**
 * The tool or prompt name to give the span at its start: bounded; none when `redact` is set,
 * for then the name is a request's data like any other, recorded by `captureTarget` once
 * redacted (the span is renamed then, before it ends).
 */
export function startTarget(
  target: string | undefined,
  options: ResolvedOptions,
): string | undefined {
  if (target === undefined || options.config.redact) return undefined;
  return truncate(target, MAX_NAME_LENGTH);
}
