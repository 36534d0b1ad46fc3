/**
 * A stateful Streamable HTTP MCP server: one transport per session (the `Mcp-Session-Id`
 * header), which becomes `mcp.session.id` on every span of that session. No telemetry code:
 * run it under the zero-code entry or one of the NodeSDK setups:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
 *     node --import mcpcat-otel/register examples/http-stateful.ts
 *   node examples/client.ts http://127.0.0.1:3000/mcp alice
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const transports = new Map<string, StreamableHTTPServerTransport>();

function buildServer(): McpServer {
  const server = new McpServer({ name: "example-http-stateful", version: "1.0.0" });
  let calls = 0;
  server.registerTool(
    "add",
    { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool("count", { description: "Calls so far in this session" }, async () => ({
    content: [{ type: "text", text: String(++calls) }],
  }));
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const http = createServer(async (req, res) => {
  if (req.url !== "/mcp") return void res.writeHead(404).end();
  try {
    const header = req.headers["mcp-session-id"];
    const existing = typeof header === "string" ? transports.get(header) : undefined;
    if (existing) return void (await existing.handleRequest(req, res));
    if (req.method !== "POST") return void res.writeHead(400).end("no such session");
    const body = await readJson(req);
    if (!isInitializeRequest(body)) return void res.writeHead(400).end("initialize first");

    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void transports.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await buildServer().connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (error) {
    console.error("request failed:", error);
    if (!res.headersSent) res.writeHead(400).end();
  }
});

http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = http.address() as AddressInfo;
  console.log(`example-http-stateful: listening on http://127.0.0.1:${port}/mcp`);
});

// Close every session and stop listening; the process then exits by itself, and the
// telemetry setup (register or sdk-*.ts) flushes on the way out.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    for (const transport of transports.values()) void transport.close();
    http.close();
    http.closeAllConnections();
  });
}
