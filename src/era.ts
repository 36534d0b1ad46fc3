/*
 * The two eras of the MCP protocol, as far as a request shows them. Modern (2026-07-28 and
 * later) requests carry a per-request `_meta` envelope with the protocol version and the
 * client's info; there is no `initialize` and no session. Legacy (2025) requests carry neither.
 */

import type { McpRequest } from "./config.js";
import { truncate } from "./content.js";

export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";
export const CLIENT_INFO_META_KEY = "io.modelcontextprotocol/clientInfo";
/** The first revision without sessions. Revisions are dates, so they compare as strings. */
export const FIRST_MODERN_REVISION = "2026-07-28";
/** The envelope is the caller's to fill: what it says is cut to this before it is recorded. */
const MAX_ENVELOPE_STRING = 256;

const REVISION = /^\d{4}-\d{2}-\d{2}$/;

export function isModernRevision(version: unknown): version is string {
  return typeof version === "string" && REVISION.test(version) && version >= FIRST_MODERN_REVISION;
}

/** The protocol version a modern request (or notification) declares in its envelope. */
export function envelopeProtocolVersion(request: Pick<McpRequest, "params">): string | undefined {
  const version = request.params?._meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === "string" && version !== ""
    ? truncate(version, MAX_ENVELOPE_STRING)
    : undefined;
}

/** Client name and version from a modern request's envelope: this request's own caller. */
export function envelopeClientInfo(
  request: McpRequest,
): { clientName?: string; clientVersion?: string } | undefined {
  const info = request.params?._meta?.[CLIENT_INFO_META_KEY] as
    | { name?: unknown; version?: unknown }
    | undefined;
  if (!info || typeof info !== "object" || typeof info.name !== "string") return undefined;
  return {
    clientName: truncate(info.name, MAX_ENVELOPE_STRING),
    clientVersion:
      typeof info.version === "string" ? truncate(info.version, MAX_ENVELOPE_STRING) : undefined,
  };
}
