import { log } from "./log.js";

export const DEFAULT_MAX_CONTENT_LENGTH = 32_768;

/**
 * Bounds of the strings recorded whether or not content is captured: error messages (status,
 * exception events, MCPCat `error`), stacks, and short values (user id and name, tag values,
 * resource URIs). Each is lowered to `maxContentLength` when that is smaller.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 4096;
export const MAX_ERROR_STACK_LENGTH = 16_384;
export const MAX_SHORT_TEXT_LENGTH = 1024;
/** Tool and prompt names (in span names too), request ids and peer names: identifiers. */
export const MAX_NAME_LENGTH = 256;
/** At most this many `eventTags` entries are recorded per request. */
export const MAX_TAGS = 64;

/** JSON text of a value, or `undefined` when it has none (circular, BigInt, a throwing toJSON). */
export function toJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch (error) {
    log.debug("content could not be serialised", error);
    return undefined;
  }
}

/** Cuts text to `max` characters, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return text.slice(0, Math.max(0, end));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Redacts, then truncates, a captured string. Redaction sees the whole text so a secret cut in
 * half by truncation cannot slip past its pattern. Returns a promise only when `redact` does.
 */
export function prepareCaptured(
  text: string,
  redact: ((text: string) => string | Promise<string>) | undefined,
  max: number,
): string | Promise<string> {
  if (!redact) return truncate(text, max);
  const redacted = redact(text);
  if (typeof redacted === "string") return truncate(redacted, max);
  return Promise.resolve(redacted).then((value) => {
    if (typeof value !== "string") throw new TypeError("redact must return a string");
    return truncate(value, max);
  });
}

const MCP_ERROR_PREFIX = /^(MCP error -?\d+: )(?:MCP error -?\d+: )+/;

/**
 * The SDK prefixes an McpError's message with `MCP error <code>: `; an error relayed from the
 * other side gets the prefix twice. One is enough.
 */
export function collapseMcpErrorPrefix(message: string): string {
  return message.startsWith("MCP error ") ? message.replace(MCP_ERROR_PREFIX, "$1") : message;
}

/** The text a tool result with `isError: true` carries: its text content, joined. */
export function toolErrorText(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  if (!Array.isArray(content)) return "Tool returned isError";
  const texts: string[] = [];
  for (const item of content) {
    if (item && typeof item === "object" && typeof (item as { text?: unknown }).text === "string") {
      texts.push((item as { text: string }).text);
    }
  }
  return texts.length > 0 ? texts.join("\n") : "Tool returned isError";
}

/** The `context` string that MCPCat-style tools carry in their arguments: the caller's intent. */
export function userIntentOf(args: unknown): string | undefined {
  if (!args || typeof args !== "object") return undefined;
  const context = (args as { context?: unknown }).context;
  return typeof context === "string" && context !== "" ? context : undefined;
}
