/**
 * A stdio MCP server with no telemetry code of its own. Instrument it from outside, with no
 * code at all:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
 *     node --import mcpcat-otel/register examples/stdio-server.ts
 *
 * or with one of the NodeSDK setups beside it: `node --import ./examples/sdk-otlp.ts ...`.
 * Its stdout carries JSON-RPC, so it logs to stderr only (and so does mcpcat-otel).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "example-stdio-server", version: "1.0.0" });

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

server.registerPrompt(
  "greet",
  { description: "Greets someone", argsSchema: { name: z.string() } },
  ({ name }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Say hi to ${name}` } }],
  }),
);

await server.connect(new StdioServerTransport());
console.error("example-stdio-server: ready on stdio");
