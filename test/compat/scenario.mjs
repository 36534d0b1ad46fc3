// One compatibility run: a real McpServer and Client of the SDK that `load` brings (each
// fixture folder's own install), over in-memory, Streamable HTTP stateful and stateless. No
// telemetry code: the process is preloaded with mcpcat-otel's register entry. Uses only APIs
// every 1.x release since 1.10 has (`server.tool`, not `registerTool`). SDK 1.10 cannot serve a
// request with a fresh, uninitialized transport (1.11 can): `perRequest: false` makes its
// stateless run one session-less transport instead.
import { randomUUID } from "node:crypto";
import http from "node:http";

export async function run(load, { perRequest = true } = {}) {
  const { McpServer } = await load("@modelcontextprotocol/sdk/server/mcp.js");
  const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
  const { InMemoryTransport } = await load("@modelcontextprotocol/sdk/inMemory.js");
  const { StreamableHTTPServerTransport } = await load(
    "@modelcontextprotocol/sdk/server/streamableHttp.js",
  );
  const { StreamableHTTPClientTransport } = await load(
    "@modelcontextprotocol/sdk/client/streamableHttp.js",
  );
  const { z } = await load("zod");

  let slowStarted;
  const makeServer = () => {
    const server = new McpServer({ name: "compat-server", version: "1.0.0" });
    server.tool("echo", { text: z.string() }, async ({ text }) => ({
      content: [{ type: "text", text }],
    }));
    server.tool("fail", async () => {
      throw new Error("compat failure");
    });
    // Answers only when aborted, which the SDK then does not send: the cancelled case.
    server.tool("slow", async (extra) => {
      slowStarted?.();
      await new Promise((resolve) => extra.signal.addEventListener("abort", resolve));
      return { content: [] };
    });
    return server;
  };
  const newClient = () => new Client({ name: "compat-client", version: "1.0.0" });

  // In-memory: success, tool error, cancellation.
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = newClient();
  await Promise.all([makeServer().connect(serverSide), client.connect(clientSide)]);
  await client.callTool({ name: "echo", arguments: { text: "hi" } });
  await client.callTool({ name: "fail", arguments: {} });
  const abort = new AbortController();
  const started = new Promise((resolve) => {
    slowStarted = resolve;
  });
  const slow = client.callTool({ name: "slow", arguments: {} }, undefined, {
    signal: abort.signal,
  });
  await started;
  abort.abort("compat cancel");
  await slow.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the cancel notification lands
  await client.close();

  await overHttp(true);
  await overHttp(false);

  async function overHttp(stateful) {
    let shared;
    const httpServer = http.createServer(async (req, res) => {
      if (stateful || !perRequest) {
        const sessionIdGenerator = stateful ? randomUUID : undefined;
        shared ??= await connected(new StreamableHTTPServerTransport({ sessionIdGenerator }));
        await shared.transport.handleRequest(req, res);
        return;
      }
      // Stateless: a new server and transport per request, as the SDK's examples do.
      const fresh = await connected(
        new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }),
      );
      res.on("close", () => void fresh.server.close());
      await fresh.transport.handleRequest(req, res);
    });
    await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const url = new URL(`http://127.0.0.1:${httpServer.address().port}/mcp`);
    const httpClient = newClient();
    await httpClient.connect(new StreamableHTTPClientTransport(url));
    await httpClient.callTool({
      name: "echo",
      arguments: { text: stateful ? "stateful" : "stateless" },
    });
    await httpClient.close();
    await shared?.server.close();
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer.close(resolve));
  }

  async function connected(transport) {
    const server = makeServer();
    await server.connect(transport);
    return { server, transport };
  }
}
