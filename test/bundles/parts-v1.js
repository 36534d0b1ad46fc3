// SDK v1's classes, bundled into one file for McpInstrumentation.instrument() (test/bundles.test.ts).
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
export { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
export { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
export const generation = "v1";
