import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

/** A server with one of each: tools (ok, throwing, isError), resources, a template, a prompt. */
export function buildServer(name = "test-server", version = "1.2.3"): McpServer {
  const server = new McpServer(
    { name, version },
    { capabilities: { logging: {}, completions: {} } },
  );
  server.registerTool(
    "echo",
    { description: "echoes", inputSchema: { text: z.string(), context: z.string().optional() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool("boom", { description: "throws" }, async () => {
    throw new Error("tool exploded");
  });
  server.registerTool("soft-fail", { description: "isError result" }, async () => ({
    isError: true,
    content: [
      { type: "text", text: "quota exceeded" },
      { type: "text", text: "try later" },
    ],
  }));
  server.registerTool(
    "sleep",
    { description: "waits", inputSchema: { ms: z.number() } },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: "text", text: `slept ${ms}` }] };
    },
  );
  server.registerResource(
    "readme",
    "file:///readme.md",
    { mimeType: "text/markdown" },
    async (uri) => ({
      contents: [{ uri: uri.href, text: "# readme" }],
    }),
  );
  server.registerResource(
    "user",
    new ResourceTemplate("users://{id}", {
      list: undefined,
      complete: { id: () => ["alice", "bob"] },
    }),
    {},
    async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `user ${id}` }] }),
  );
  server.registerPrompt(
    "greet",
    { description: "greets", argsSchema: { who: z.string() } },
    ({ who }) => ({ messages: [{ role: "user", content: { type: "text", text: `hi ${who}` } }] }),
  );
  return server;
}

export async function connectInMemory(server: McpServer, clientName = "test-client") {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: clientName, version: "9.9.9" });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return { client, clientTransport, serverTransport };
}

/** buildServer() plus a `whoami` tool that waits a little, so concurrent calls interleave. */
export function serverWithWhoami() {
  const server = buildServer();
  server.registerTool(
    "whoami",
    { inputSchema: { caller: z.string(), ms: z.number() } },
    async ({ caller, ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: "text", text: caller }] };
    },
  );
  return server;
}
