// The CommonJS twin of server.mjs: run under `-r mcpcat-otel/register`.
const { McpServer } = require("@modelcontextprotocol/server");
const { StdioServerTransport } = require("@modelcontextprotocol/server/stdio");

const server = new McpServer({ name: "only-v2", version: "2.0.0" });
server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
server.connect(new StdioServerTransport());
