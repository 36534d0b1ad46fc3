// A stdio MCP server with no telemetry code of its own: run under `--import mcpcat-otel/register`.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "register-fixture", version: "1.0.0" });
server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: "text", text }],
}));
server.registerTool("fail", {}, async () => {
  throw new Error("fixture failure");
});

if (process.env.FIXTURE_APP_SIGTERM) {
  // The app's own graceful shutdown: it, not register, decides how the process ends.
  process.on("SIGTERM", () => {
    process.stderr.write("fixture: app SIGTERM handler\n");
    setTimeout(() => process.exit(42), 300);
  });
}
process.on("exit", (code) => process.stderr.write(`fixture: exit ${code}\n`));

await server.connect(new StdioServerTransport());
process.stderr.write("fixture: ready\n");
