// A stdio MCP server on SDK v2, to be bundled with the SDK inlined (test/bundles.test.ts).
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const server = new McpServer({ name: "bundled-v2", version: "2.0.0" });
server.registerTool("echo", { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
  content: [{ type: "text", text: `v2 ${text}` }],
}));
server.connect(new StdioServerTransport());
