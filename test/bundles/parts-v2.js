// SDK v2's classes, bundled into one file for McpInstrumentation.instrument() (test/bundles.test.ts).
export { Client } from "@modelcontextprotocol/client";
export { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
export const generation = "v2";
