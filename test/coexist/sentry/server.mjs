// A stdio MCP server that traces itself with Sentry, initialised in its main module (as
// Sentry's docs say): each tool call is a Sentry span of its own.
import * as Sentry from "@sentry/node";

Sentry.init({ dsn: process.env.FIXTURE_SENTRY_DSN, tracesSampleRate: 1.0 });

const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");

const server = new McpServer({ name: "sentry-server", version: "1.0.0" });
server.registerTool("work", { description: "does some traced work" }, async () =>
  Sentry.startSpan({ name: "app.work", op: "app" }, () => ({
    content: [{ type: "text", text: "done" }],
  })),
);
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => void Sentry.close(2000));
