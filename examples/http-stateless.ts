/**
 * A stateless Streamable HTTP MCP server, with its telemetry set up in the same file: every
 * request gets a fresh server and transport, there are no sessions, and `identify` reads the
 * caller from the request's headers.
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 node examples/http-stateless.ts
 *   node examples/client.ts http://127.0.0.1:3000/mcp alice
 *
 * The SDK is started before any server is made. The MCP SDK may be imported first: the
 * instrumentation patches the classes it exports, which every server made afterwards uses.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { McpInstrumentation } from "mcpcat-otel";
import { z } from "zod";

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "example-http-stateless",
  // No exporter given: NodeSDK reads OTEL_TRACES_EXPORTER (default otlp) and the
  // OTEL_EXPORTER_OTLP_* variables.
  instrumentations: [
    new McpInstrumentation({
      // Optional here: a transport made without a sessionIdGenerator is detected as stateless.
      stateless: true,
      // Runs on every request. Trust a header like this only behind a proxy that sets it after
      // authenticating the caller; otherwise use `extra.authInfo` from your auth middleware.
      identify: (_request, extra) => {
        const headers = extra.requestInfo?.headers ?? {};
        const userId = headers["x-user-id"];
        if (typeof userId !== "string" || userId === "") return null;
        const userName = headers["x-user-name"];
        return { userId, ...(typeof userName === "string" ? { userName } : {}) };
      },
    }),
  ],
});
sdk.start();

function buildServer(): McpServer {
  const server = new McpServer({ name: "example-http-stateless", version: "1.0.0" });
  server.registerTool(
    "add",
    { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool(
    "divide",
    { description: "Divides a by b", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) =>
      b === 0
        ? { isError: true, content: [{ type: "text", text: "cannot divide by zero" }] }
        : { content: [{ type: "text", text: String(a / b) }] },
  );
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const http = createServer(async (req, res) => {
  if (req.url !== "/mcp") return void res.writeHead(404).end();
  // Stateless: no SSE stream to resume (GET) and no session to end (DELETE).
  if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
  try {
    const server = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, await readJson(req));
  } catch (error) {
    console.error("request failed:", error);
    if (!res.headersSent) res.writeHead(400).end();
  }
});

http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = http.address() as AddressInfo;
  console.log(`example-http-stateless: listening on http://127.0.0.1:${port}/mcp`);
});

// Stop accepting requests, then export what is still batched.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    http.close();
    http.closeAllConnections();
    void sdk.shutdown().finally(() => process.exit(0));
  });
}
