import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { NodeStreamableHTTPServerTransport, toNodeHandler } from "@modelcontextprotocol/node";
import {
  createMcpHandler,
  InMemoryTransport,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import * as z from "zod";

/** The v2 twin of test/helpers/servers.ts's buildServer: one of each request kind. */
export function buildV2Server(name = "v2-server", version = "2.3.4"): McpServer {
  const server = new McpServer(
    { name, version },
    { capabilities: { logging: {}, completions: {} } },
  );
  server.registerTool(
    "echo",
    { inputSchema: z.object({ text: z.string(), context: z.string().optional() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool("boom", {}, async () => {
    throw new Error("tool exploded");
  });
  server.registerTool("soft-fail", {}, async () => ({
    isError: true,
    content: [{ type: "text", text: "quota exceeded" }],
  }));
  server.registerTool(
    "whoami",
    { inputSchema: z.object({ caller: z.string(), ms: z.number() }) },
    async ({ caller, ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: "text", text: caller }] };
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
  server.registerPrompt("greet", { argsSchema: z.object({ who: z.string() }) }, ({ who }) => ({
    messages: [{ role: "user", content: { type: "text", text: `hi ${who}` } }],
  }));
  return server;
}

/** Adds a `notify` tool that sends a notifications/message from its handler (ctx.mcpReq.notify). */
export function withNotifyTool(server: McpServer): McpServer {
  server.registerTool("notify", {}, async (ctx) => {
    await ctx.mcpReq.notify({
      method: "notifications/message",
      params: { level: "info", data: "from the handler" },
    });
    return { content: [{ type: "text", text: "ok" }] };
  });
  return server;
}

export type Era = "legacy" | "modern";

/** A v2 client of either era: modern pins 2026-07-28 (no fallback), legacy is the default. */
export function v2Client(era: Era, name = "v2-client", version = "7.7.7"): Client {
  return new Client(
    { name, version },
    era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : undefined,
  );
}

export async function connectV2InMemory(server: McpServer, clientName = "v2-client") {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = v2Client("legacy", clientName);
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return { client, clientTransport, serverTransport };
}

export interface HandlerServer {
  url: URL;
  close(): Promise<void>;
}

/** `createMcpHandler` behind a real `http.createServer` on 127.0.0.1 (toNodeHandler feeds it). */
export async function handlerOverHttp(
  build: () => McpServer = buildV2Server,
): Promise<HandlerServer> {
  const handler = createMcpHandler(() => build());
  const node = toNodeHandler(handler);
  return serveOnLoopback(
    async (req, res) => {
      // What an auth middleware would do: toNodeHandler forwards `req.auth` as `authInfo`.
      const token = req.headers["x-test-token"];
      if (typeof token === "string") {
        (req as IncomingMessage & { auth?: unknown }).auth = { token, clientId: "c1", scopes: [] };
      }
      await node(req, res);
    },
    () => handler.close(),
  );
}

/** A real `http.createServer` on 127.0.0.1, shut down (after `before`) by `close()`. */
async function serveOnLoopback(
  serve: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
  before: () => Promise<unknown>,
): Promise<HandlerServer> {
  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      await before();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** A v2 client of `era` connected over HTTP, sending `headers` on every request. */
export async function connectV2Http(
  url: URL,
  era: Era,
  options: { clientName?: string; headers?: Record<string, string> } = {},
) {
  const client = v2Client(era, options.clientName);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: options.headers ?? {} },
  });
  await client.connect(transport);
  return client;
}

/**
 * A v2 server on the sessionful legacy transport (`NodeStreamableHTTPServerTransport` with a
 * `sessionIdGenerator`, from @modelcontextprotocol/node): one server per Mcp-Session-Id.
 */
export async function sessionfulOverHttp(
  build: () => McpServer = buildV2Server,
): Promise<HandlerServer> {
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  return serveOnLoopback(
    async (req, res) => {
      const id = req.headers["mcp-session-id"];
      const existing = typeof id === "string" ? sessions.get(id) : undefined;
      if (existing) return existing.handleRequest(req, res);
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId: string) => {
          sessions.set(sessionId, transport);
        },
      });
      await build().connect(transport);
      await transport.handleRequest(req, res);
    },
    () => Promise.all([...sessions.values()].map((transport) => transport.close())),
  );
}
