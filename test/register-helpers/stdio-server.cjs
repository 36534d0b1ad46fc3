// The CommonJS twin of stdio-server.mjs: run under `-r mcpcat-otel/register`.
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { z } = require("zod");

const server = new McpServer({ name: "register-fixture", version: "1.0.0" });
server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: "text", text }],
}));
server.registerTool("fail", {}, async () => {
  throw new Error("fixture failure");
});

if (process.env.FIXTURE_APP_SIGTERM) {
  process.on("SIGTERM", () => {
    process.stderr.write("fixture: app SIGTERM handler\n");
    setTimeout(() => process.exit(42), 300);
  });
}
process.on("exit", (code) => process.stderr.write(`fixture: exit ${code}\n`));

server.connect(new StdioServerTransport()).then(() => process.stderr.write("fixture: ready\n"));
