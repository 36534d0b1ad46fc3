// The SDK v2 server under test (`@modelcontextprotocol/server` 2.x) and raw clients for it, the
// twins of mcp.mjs: in-memory (one connection, legacy era: v2 serves the 2026-07-28 era only
// through createMcpHandler) and createMcpHandler over HTTP on 127.0.0.1 (a fresh server per
// request, modern era: every tools/call carries the 2026-07-28 `_meta` envelope).
import { createServer } from "node:http";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import {
  CALL_ARGUMENTS,
  CLIENT_INFO,
  PROTOCOL_VERSION,
  rawJsonRpcClient,
  TOOL_NAME,
} from "./mcp.mjs";

const MODERN = "2026-07-28";

export function makeServerV2(hooks = {}) {
  const server = new McpServer({ name: "bench-server", version: "1.0.0" });
  hooks.beforeTools?.(server);
  server.registerTool(
    TOOL_NAME,
    { inputSchema: z.object({ text: z.string(), context: z.string().optional() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  hooks.afterTools?.(server);
  return server;
}

function check(msg) {
  if (msg.error) throw new Error(`JSON-RPC error ${msg.error.code}: ${msg.error.message}`);
  if (msg.result?.isError) throw new Error(`tool error: ${JSON.stringify(msg.result.content)}`);
}

export async function connectInMemoryV2(hooks) {
  const server = makeServerV2(hooks);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const pending = new Map();
  let nextId = 1;
  clientSide.onmessage = (msg) => {
    const resolve = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!resolve) return;
    pending.delete(msg.id);
    resolve(msg);
  };
  await clientSide.start();
  await server.connect(serverSide);
  const send = (message) =>
    new Promise((resolve, reject) => {
      pending.set(message.id, resolve);
      clientSide.send(message).catch(reject);
    });
  check(
    await send({
      jsonrpc: "2.0",
      id: nextId++,
      method: "initialize",
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    }),
  );
  await clientSide.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return {
    async call() {
      const id = nextId++;
      const params = { name: TOOL_NAME, arguments: CALL_ARGUMENTS };
      check(await send({ jsonrpc: "2.0", id, method: "tools/call", params }));
    },
    async close() {
      await clientSide.close();
      await server.close();
    },
  };
}

export async function connectHandlerV2(hooks, { sockets = 16 } = {}) {
  const handler = createMcpHandler(() => makeServerV2(hooks));
  const http = createServer(toNodeHandler(handler));
  const { post, close } = await rawJsonRpcClient(http, {
    sockets,
    headers: { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": TOOL_NAME },
  });
  let nextId = 1;
  const meta = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  return {
    async call() {
      const params = { name: TOOL_NAME, arguments: CALL_ARGUMENTS, _meta: meta };
      check(await post({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params }));
    },
    async close() {
      await handler.close();
      await close();
    },
  };
}
