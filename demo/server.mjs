// The demo's MCP server: stateless Streamable HTTP (a new server and transport per request,
// no sessions), with no telemetry code. The instrumentation is set up in telemetry.mjs.
import { createServer } from "node:http";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/** MCP's "resource not found": the caller's mistake, so not an error of the server's span. */
const RESOURCE_NOT_FOUND = -32002;

const DOCS = {
  install: "npm install mcpcat-otel @opentelemetry/api @opentelemetry/sdk-node",
  register: "node --import mcpcat-otel/register server.js",
};

function buildServer() {
  const server = new McpServer({ name: "demo-notes-server", version: "1.0.0" });
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
  server.registerTool(
    "search_docs",
    {
      description: "Searches the docs",
      // `context`: why the agent calls the tool; recorded as the user intent.
      inputSchema: { query: z.string(), context: z.string().optional() },
    },
    async ({ query }) => {
      await new Promise((resolve) => setTimeout(resolve, 15)); // a slower tool
      const hits = Object.entries(DOCS).filter(([key]) => query.includes(key));
      return {
        content: [{ type: "text", text: hits.map(([, text]) => text).join("\n") || "no match" }],
      };
    },
  );
  server.registerPrompt(
    "summarize",
    { description: "Summarize a topic", argsSchema: { topic: z.string() } },
    ({ topic }) => ({
      messages: [{ role: "user", content: { type: "text", text: `Summarize ${topic}` } }],
    }),
  );
  server.registerResource(
    "doc",
    new ResourceTemplate("docs://{name}", { list: undefined }),
    { mimeType: "text/plain" },
    async (uri, { name }) => {
      const text = DOCS[String(name)];
      if (!text) throw new McpError(RESOURCE_NOT_FOUND, `no doc named ${name}`);
      return { contents: [{ uri: uri.href, text }] };
    },
  );
  return server;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** Starts the server on a free loopback port; resolves with its URL and a `close()`. */
export async function startServer() {
  const http = createServer(async (req, res) => {
    if (req.method !== "POST" || req.url !== "/mcp") return void res.writeHead(405).end();
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
      if (!res.headersSent) res.writeHead(400).end(String(error));
    }
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: new URL(`http://127.0.0.1:${http.address().port}/mcp`),
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(resolve);
      }),
  };
}
