// The server under test and the clients that drive it.
//
// The clients speak raw JSON-RPC, not through the SDK's `Client`: the benchmark measures the
// server's cost, and an SDK client in the same process would be instrumented too (by every
// instrumentation that patches `Protocol.prototype.request` or `Client.prototype`), adding
// client spans to the server's bill. The MCP SDK, zod and OpenTelemetry resolve from the root
// package for every configuration (bench/node_modules holds only the peers, nested).
import { Agent, createServer, request as httpRequest } from "node:http";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export const PROTOCOL_VERSION = "2025-06-18";
export const TOOL_NAME = "echo";
export const CALL_ARGUMENTS = { text: "hello from the benchmark", context: "measure the cost" };
export const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };

/**
 * Makes the server under test. `hooks.beforeTools(server)` runs before the tool is registered
 * (instrumentations that wrap `server.tool`), `hooks.afterTools(server)` after.
 */
export function makeServer(hooks = {}) {
  const server = new McpServer({ name: "bench-server", version: "1.0.0" });
  hooks.beforeTools?.(server);
  // `server.tool` rather than `registerTool`: Shinzo only wraps `tool`. Same code path otherwise.
  server.tool(
    TOOL_NAME,
    "Echoes its input",
    { text: z.string(), context: z.string().optional() },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  hooks.afterTools?.(server);
  return server;
}

function toolsCall(id) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: TOOL_NAME, arguments: CALL_ARGUMENTS },
  };
}

function checkResult(msg) {
  if (msg.error) throw new Error(`JSON-RPC error ${msg.error.code}: ${msg.error.message}`);
  if (msg.result?.isError) throw new Error(`tool error: ${JSON.stringify(msg.result.content)}`);
}

/** A connected in-memory pair: `call()` sends one tools/call and resolves with its response. */
export async function connectInMemory(hooks) {
  const server = makeServer(hooks);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const pending = new Map();
  let nextId = 1;
  clientSide.onmessage = (msg) => {
    if (msg.id === undefined) return; // a notification
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    p(msg);
  };
  await clientSide.start();
  await server.connect(serverSide);
  const send = (message) =>
    new Promise((resolve, reject) => {
      pending.set(message.id, resolve);
      clientSide.send(message).catch(reject);
    });
  const init = await send({
    jsonrpc: "2.0",
    id: nextId++,
    method: "initialize",
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
  });
  checkResult(init);
  await clientSide.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return {
    async call() {
      checkResult(await send(toolsCall(nextId++)));
    },
    async close() {
      await clientSide.close();
      await server.close();
    },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * A stateless Streamable HTTP server on 127.0.0.1 (a new server and transport per request, as
 * the SDK's stateless example does) and a keep-alive raw client. `call()` POSTs one tools/call.
 */
export async function connectHttp(hooks, { sockets = 16 } = {}) {
  const http = createServer(async (req, res) => {
    try {
      const body = JSON.parse(await readBody(req));
      const server = makeServer(hooks);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => {
        transport.close();
        server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  });
  const { post, close } = await rawJsonRpcClient(http, {
    sockets,
    headers: {
      "mcp-protocol-version": PROTOCOL_VERSION,
      "user-agent": `${CLIENT_INFO.name}/${CLIENT_INFO.version}`,
    },
  });
  let nextId = 1;
  return {
    async call() {
      checkResult(await post(toolsCall(nextId++)));
    },
    close,
  };
}

/**
 * Listens `http` on 127.0.0.1 and makes a keep-alive raw JSON-RPC client for it: `post(message)`
 * POSTs one message to /mcp with `headers` and resolves with the answer (SSE or plain JSON);
 * `close()` closes the client and the server. Shared by the v1 and v2 HTTP scenarios.
 */
export async function rawJsonRpcClient(http, { sockets, headers }) {
  http.keepAliveTimeout = 60_000;
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address();
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const post = (message) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(message);
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/mcp",
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...headers,
            "content-length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          readBody(res).then((text) => {
            if (res.statusCode !== 200) {
              reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
              return;
            }
            // SSE ("event: message\ndata: {...}") unless the server answered with plain JSON.
            const line = text.split("\n").find((l) => l.startsWith("data: "));
            resolve(JSON.parse(line ? line.slice(6) : text));
          }, reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const close = async () => {
    agent.destroy();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(() => resolve()));
  };
  return { post, close };
}
