// One compatibility run for SDK v2 (@modelcontextprotocol/server and /client, each fixture
// folder's own install): a real McpServer and Client over in-memory (success, tool error,
// cancellation) and over `createMcpHandler` (a fresh server per request) with a legacy-era and a
// modern-era client, fed through the client transport's `fetch` option (no socket needed). No
// telemetry code: the process is preloaded with mcpcat-otel's register entry.
export async function run(load) {
  const { McpServer, InMemoryTransport, createMcpHandler } = await load(
    "@modelcontextprotocol/server",
  );
  const { Client, StreamableHTTPClientTransport } = await load("@modelcontextprotocol/client");
  const { z } = await load("zod");

  let slowStarted;
  const makeServer = () => {
    const server = new McpServer({ name: "compat-server", version: "2.0.0" });
    server.registerTool(
      "echo",
      { inputSchema: z.object({ text: z.string() }) },
      async ({ text }) => ({
        content: [{ type: "text", text }],
      }),
    );
    server.registerTool("fail", {}, async () => {
      throw new Error("compat failure");
    });
    // Answers only when aborted, which the SDK then does not send: the cancelled case.
    server.registerTool("slow", {}, async (ctx) => {
      slowStarted?.();
      const signal = ctx.mcpReq.signal;
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      return { content: [] };
    });
    return server;
  };
  const newClient = (modern) =>
    new Client(
      { name: "compat-client", version: "1.0.0" },
      modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : undefined,
    );

  // In-memory: success, tool error, cancellation.
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = newClient(false);
  await makeServer().connect(serverSide);
  await client.connect(clientSide);
  await client.callTool({ name: "echo", arguments: { text: "hi" } });
  await client.callTool({ name: "fail", arguments: {} });
  const abort = new AbortController();
  const started = new Promise((resolve) => {
    slowStarted = resolve;
  });
  const slow = client.callTool({ name: "slow", arguments: {} }, { signal: abort.signal });
  await started;
  abort.abort("compat cancel");
  await slow.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the cancel notification lands
  await client.close();

  // createMcpHandler: legacy era (initialize, then stateless requests), and modern era.
  const handler = createMcpHandler(() => makeServer());
  for (const modern of [false, true]) {
    const httpClient = newClient(modern);
    const transport = new StreamableHTTPClientTransport(new URL("http://127.0.0.1:1/mcp"), {
      fetch: (input, init) => handler.fetch(new Request(input, init)),
    });
    await httpClient.connect(transport);
    await httpClient.callTool({ name: "echo", arguments: { text: modern ? "modern" : "legacy" } });
    await httpClient.close();
  }
  await handler.close?.();
}
