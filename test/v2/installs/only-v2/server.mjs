// A stdio server of an app that installed only SDK v2; run under `--import mcpcat-otel/register`.
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";

const server = new McpServer({ name: "only-v2", version: "2.0.0" });
server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
await server.connect(new StdioServerTransport());
