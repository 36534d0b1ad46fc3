// A stdio MCP server on SDK v1, to be bundled with the SDK inlined (test/bundles.test.ts).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bundled-v1", version: "1.0.0" });
server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: "text", text: `v1 ${text}` }],
}));
server.connect(new StdioServerTransport());
