/*
 * What `toolCallContext` and `reportMissing` change on the request path, and nothing else does:
 * a `tools/list` result gets the `context` property and the `get_more_tools` tool; a
 * `tools/call` loses its `context` argument before the server sees it, or, for
 * `get_more_tools`, is answered here. Both go through the SDK's own dispatch (its handler
 * table, its result encoding, its `send`), so every transport, era and generation answers
 * alike, and the request's span is made and ended as for any other request.
 */
import type { McpRequest } from "./config.js";
import type { AgentTools, ProtocolLike } from "./internal-types.js";
import { log } from "./log.js";
import { GET_MORE_TOOLS, getMoreToolsResult, getMoreToolsTool } from "./report-missing.js";
import {
  contextSkipReason,
  withContextProperty,
  withoutContextArgument,
} from "./tool-call-context.js";

type Handler = (request: unknown, extra: unknown) => unknown;
interface WithHandlers extends ProtocolLike {
  _requestHandlers?: Map<string, Handler>;
}

/** What a server's own tool list said, learnt from its `tools/list` results. */
interface OwnTools {
  /** Tools listed as the server made them (own `context`, schema not extended): calls keep it. */
  readonly ownContext: Set<string>;
  /** The server offers a `get_more_tools` of its own: its calls go to it. */
  ownGetMoreTools: boolean;
}

// By server name, not instance: a stateless server is a new instance per request. Bounded.
const MAX_SERVERS = 64;
const MAX_TOOLS_PER_SERVER = 1024;
const ownToolsByServer = new Map<string, OwnTools>();

function serverKey(protocol: ProtocolLike): string {
  const name = protocol._serverInfo?.name;
  return typeof name === "string" ? name : "";
}

function ownToolsOf(protocol: ProtocolLike): OwnTools {
  const key = serverKey(protocol);
  let own = ownToolsByServer.get(key);
  if (own === undefined) {
    if (ownToolsByServer.size >= MAX_SERVERS) {
      ownToolsByServer.delete(ownToolsByServer.keys().next().value as string);
    }
    own = { ownContext: new Set(), ownGetMoreTools: false };
    ownToolsByServer.set(key, own);
  }
  return own;
}

/**
 * Runs the SDK's own `_onrequest` (`runOriginal`) for `request`, changed as the options ask,
 * exactly once. Requests other than `tools/list` and `tools/call` pass untouched; a request
 * that cannot be read passes untouched too (said so).
 */
export function runWithAgentTools(
  protocol: ProtocolLike,
  request: McpRequest,
  agentTools: AgentTools,
  runOriginal: (sent?: McpRequest) => void,
): void {
  let run: () => void = runOriginal;
  try {
    run = planFor(protocol as WithHandlers, request, agentTools, runOriginal);
  } catch (error) {
    log.warn("a request is served unchanged: it could not be read", error);
  }
  run();
}

function planFor(
  protocol: WithHandlers,
  request: McpRequest,
  agentTools: AgentTools,
  runOriginal: (sent?: McpRequest) => void,
): () => void {
  if (request.method === "tools/list") {
    const extend =
      (list: Handler): Handler =>
      async (listRequest, extra) =>
        extendToolList(protocol, agentTools, await list(listRequest, extra));
    return () => withHandler(protocol, "tools/list", runOriginal, (list) => list && extend(list));
  }
  if (request.method !== "tools/call") return runOriginal;
  const name = request.params?.name;
  const own = typeof name === "string" ? ownToolsByServer.get(serverKey(protocol)) : undefined;
  if (agentTools.reportMissing && name === GET_MORE_TOOLS && !own?.ownGetMoreTools) {
    const answer: Handler = async () => getMoreToolsResult();
    // Only where the server serves tools: one without them answers as it would uninstrumented.
    return () => withHandler(protocol, "tools/call", runOriginal, (call) => call && answer);
  }
  if (agentTools.contextDescription !== undefined && !own?.ownContext.has(name as string)) {
    const sent = withoutContextArgument(request);
    return () => runOriginal(sent);
  }
  return runOriginal;
}

/**
 * Runs `runOriginal` with the SDK's handler of `method` replaced by `replace(original)`, for
 * this request only: the SDK looks its handler up synchronously, and the table is put back
 * before anything else can read it. The server's own table is never changed.
 */
function withHandler(
  protocol: WithHandlers,
  method: string,
  runOriginal: () => void,
  replace: (original: Handler | undefined) => Handler | undefined,
): void {
  const handlers = protocol._requestHandlers;
  const replacement = handlers instanceof Map ? replace(handlers.get(method)) : undefined;
  if (!replacement || !(handlers instanceof Map)) {
    // No handler to wrap (a server without tools), or an SDK without a handler table.
    runOriginal();
    return;
  }
  const overlay = new Map(handlers);
  overlay.set(method, replacement);
  protocol._requestHandlers = overlay;
  try {
    runOriginal();
  } finally {
    protocol._requestHandlers = handlers;
  }
}

/** A copy of a `tools/list` result with `context` on each tool and `get_more_tools` added. */
function extendToolList(protocol: ProtocolLike, agentTools: AgentTools, result: unknown): unknown {
  try {
    const tools = (result as { tools?: unknown } | null)?.tools;
    const cursor = (result as { nextCursor?: unknown } | null)?.nextCursor;
    // A result that is not a tool list is sent as the server made it: no client reads it anyway.
    if (!Array.isArray(tools) || !tools.every(isNamed)) return result;
    if (cursor !== undefined && typeof cursor !== "string") return result;
    const own = ownToolsOf(protocol);
    const description = agentTools.contextDescription;
    let extended: unknown[] = tools;
    if (description !== undefined) {
      extended = tools.map((tool: unknown) => {
        const reason = contextSkipReason(tool);
        if (reason === undefined) return withContextProperty(tool as object, description);
        // Whatever the reason, no client was asked for a `context`: one it sends is the tool's.
        const name = (tool as { name?: unknown } | null)?.name;
        if (typeof name === "string" && own.ownContext.size < MAX_TOOLS_PER_SERVER)
          own.ownContext.add(name);
        log.debug(`tool ${String(name)}: no context property added (${reason} schema)`);
        return tool;
      });
    }
    if (agentTools.reportMissing) {
      if (tools.some((tool) => (tool as { name?: unknown } | null)?.name === GET_MORE_TOOLS)) {
        own.ownGetMoreTools = true;
      } else if (!own.ownGetMoreTools && cursor === undefined) {
        // Offered once, on the last page, unless an earlier page had the server's own.
        extended = [...extended, getMoreToolsTool()];
      }
    }
    return { ...(result as object), tools: extended };
  } catch (error) {
    log.warn("could not extend the tool list; it is sent as the server made it", error);
    return result;
  }
}

function isNamed(tool: unknown): boolean {
  return (
    typeof tool === "object" &&
    tool !== null &&
    typeof (tool as { name?: unknown }).name === "string"
  );
}
