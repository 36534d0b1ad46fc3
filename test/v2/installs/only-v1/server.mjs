// A stdio server of an app that installed only SDK v1; run under `--import mcpcat-otel/register`.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const server = new McpServer({ name: "only-v1", version: "1.0.0" });
server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
await server.connect(new StdioServerTransport());
