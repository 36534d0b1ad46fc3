// The CommonJS twin of server.mjs: run under `-r mcpcat-otel/register`.
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");

const server = new McpServer({ name: "only-v1", version: "1.0.0" });
server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
server.connect(new StdioServerTransport());
