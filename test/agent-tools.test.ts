import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MCPCatExporter } from "../src/index.js";
import { ATTR_MCPCAT_USER_INTENT } from "../src/semconv.js";
import { DEFAULT_CONTEXT_DESCRIPTION } from "../src/tool-call-context.js";
import { connectStdio, type ModuleKind, until } from "./helpers/child.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import { httpClient, statefulServer, statelessServer } from "./helpers/http.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";
import { mcpSpans, setupTracing } from "./helpers/tracing.js";

// toolCallContext and reportMissing on SDK v1: what a client is offered, what the server's
// handlers receive, and what the spans and events record.
const { exporter, instrumentation } = setupTracing();
const ON = { toolCallContext: true, reportMissing: true } as const;
afterEach(() => {
  instrumentation.setConfig({});
  exporter.reset();
});

/** What each tool's handler received, by tool name. */
const received = new Map<string, unknown[]>();
const note = (tool: string, args: unknown) =>
  received.set(tool, [...(received.get(tool) ?? []), args]);

function agentServer(): McpServer {
  const server = new McpServer({ name: "agent-tools-v1", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async (args) => {
    note("echo", args);
    return { content: [{ type: "text", text: args.text }] };
  });
  // Rejects any property it does not declare: a `context` reaching it would fail the call.
  server.registerTool(
    "strict",
    { inputSchema: z.object({ n: z.number() }).strict() },
    async (args) => {
      note("strict", args);
      return { content: [{ type: "text", text: String(args.n) }] };
    },
  );
  server.registerTool(
    "own-context",
    { inputSchema: { context: z.string().describe("the tool's own") } },
    async (args) => {
      note("own-context", args);
      return { content: [{ type: "text", text: args.context }] };
    },
  );
  return server;
}

async function inMemory(server: McpServer | Server) {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "agent-client", version: "1.0.0" });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

type Tool = {
  name: string;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
};
const byName = (tools: Tool[], name: string) => tools.find((tool) => tool.name === name);

/** The checks every transport shares: the list, a call with context, get_more_tools. */
async function checkAgentTools(client: Client) {
  const { tools } = (await client.listTools()) as { tools: Tool[] };
  expect(byName(tools, "echo")!.inputSchema.properties!.context).toEqual({
    type: "string",
    description: DEFAULT_CONTEXT_DESCRIPTION,
  });
  expect(byName(tools, "echo")!.inputSchema.required).toEqual(["text", "context"]);
  expect(byName(tools, "strict")!.inputSchema.required).toEqual(["n", "context"]);
  // Its own `context` is left as the tool declared it.
  expect(byName(tools, "own-context")!.inputSchema.properties!.context).toEqual({
    type: "string",
    description: "the tool's own",
  });
  expect(tools.filter((tool) => tool.name === "get_more_tools")).toHaveLength(1);
  expect(tools.at(-1)!.name).toBe("get_more_tools");

  received.clear();
  const echoed = await client.callTool({
    name: "echo",
    arguments: { text: "hi", context: "Checking the echo tool for the user's greeting flow." },
  });
  expect(echoed.isError).toBeFalsy();
  expect(received.get("echo")).toEqual([{ text: "hi" }]);
  const strict = await client.callTool({ name: "strict", arguments: { n: 7, context: "why" } });
  expect(strict).toMatchObject({ content: [{ type: "text", text: "7" }] });
  expect(strict.isError).toBeFalsy();
  const own = await client.callTool({ name: "own-context", arguments: { context: "mine" } });
  expect(own).toMatchObject({ content: [{ type: "text", text: "mine" }] });
  // A client that sends no context still works.
  expect(
    (await client.callTool({ name: "echo", arguments: { text: "bare" } })).isError,
  ).toBeFalsy();
  const more = await client.callTool({
    name: "get_more_tools",
    arguments: { context: "Needs a tool that converts currencies for an invoice." },
  });
  expect(more.isError).toBeFalsy();
  expect((more.content as { text: string }[])[0]!.text).toMatch(/complete.*noted/s);
  expect(received.has("get_more_tools")).toBe(false);
}

describe("SDK v1, toolCallContext and reportMissing on", () => {
  it("in-memory McpServer: the list as the client receives it, calls, spans", async () => {
    instrumentation.setConfig(ON);
    const server = agentServer();
    const client = await inMemory(server);
    await checkAgentTools(client);
    // Listing twice gives the same list: the server's own tools were copied, not changed.
    const first = JSON.stringify(await client.listTools());
    expect(JSON.stringify(await client.listTools())).toBe(first);
    await client.close();

    const spans = mcpSpans(exporter);
    const echo = spans.find((s) => s.name === "tools/call echo")!;
    expect(echo.attributes[ATTR_MCPCAT_USER_INTENT]).toBe(
      "Checking the echo tool for the user's greeting flow.",
    );
    const more = spans.find((s) => s.name === "tools/call get_more_tools")!;
    expect(more.attributes[ATTR_MCPCAT_USER_INTENT]).toBe(
      "Needs a tool that converts currencies for an invoice.",
    );
    expect(more.status.code).toBe(0);
  });

  it("a low-level Server: frozen tools are copied; a oneOf schema is skipped", async () => {
    instrumentation.setConfig({
      toolCallContext: { description: "Say why." },
      reportMissing: true,
    });
    const tools = deepFreeze([
      { name: "plain", inputSchema: { type: "object", properties: { a: { type: "string" } } } },
      {
        name: "either",
        inputSchema: { type: "object", oneOf: [{ required: ["a"] }, { required: ["b"] }] },
      },
    ]);
    const server = new Server(
      { name: "low-level-v1", version: "1.0.0" },
      { capabilities: { tools: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      note("low-level", request.params.arguments);
      return { content: [{ type: "text", text: "ok" }] };
    });
    const client = await inMemory(server);
    const listed = (await client.listTools()).tools as Tool[];
    expect(byName(listed, "plain")!.inputSchema).toEqual({
      type: "object",
      properties: { a: { type: "string" }, context: { type: "string", description: "Say why." } },
      required: ["context"],
    });
    expect(byName(listed, "either")!.inputSchema).toEqual(tools[1]!.inputSchema);
    expect(listed.map((tool) => tool.name)).toEqual(["plain", "either", "get_more_tools"]);
    received.clear();
    await client.callTool({ name: "plain", arguments: { a: "x", context: "why" } });
    expect(received.get("low-level")).toEqual([{ a: "x" }]);
    const more = await client.callTool({ name: "get_more_tools", arguments: { context: "more" } });
    expect((more.content as { text: string }[])[0]!.text).toMatch(/noted/);
    expect(received.get("low-level")).toHaveLength(1);
    await client.close();
  });

  describe.each([
    ["stateful", statefulServer],
    ["stateless", statelessServer],
  ] as const)("Streamable HTTP (%s)", (_name, serve) => {
    let http: Awaited<ReturnType<typeof statefulServer>>;
    beforeAll(async () => {
      http = await serve(agentServer);
    });
    afterAll(() => http.close());
    it("the same list, calls and answers", async () => {
      instrumentation.setConfig(ON);
      const { client } = await httpClient(http.url);
      await checkAgentTools(client);
      await client.close();
      expect(mcpSpans(exporter).map((s) => s.name)).toContain("tools/call get_more_tools");
    });
  });

  it("the events carry the intent, as the AgentCat API model reads them", async () => {
    instrumentation.setConfig(ON);
    const client = await inMemory(agentServer());
    await client.callTool({ name: "echo", arguments: { text: "a", context: "Intent of echo." } });
    await client.callTool({ name: "get_more_tools", arguments: { context: "Wants a map tool." } });
    await client.close();
    const api = await new FakeMcpcatApi().start();
    try {
      const mcpcat = new MCPCatExporter({ projectId: "proj_agent", apiBaseUrl: api.url });
      mcpcat.export(mcpSpans(exporter), () => {});
      await mcpcat.shutdown();
      expect(api.violations).toEqual([]);
      const calls = api.events.filter((e) => e.eventType === "mcp:tools/call");
      expect(calls.map((e) => [e.resourceName, e.userIntent])).toEqual([
        ["echo", "Intent of echo."],
        ["get_more_tools", "Wants a map tool."],
      ]);
    } finally {
      await api.close();
    }
  });
});

describe("SDK v1, options on: what the server's own list says is kept", () => {
  it("a get_more_tools of its own on an earlier page: offered once, its calls go to it", async () => {
    instrumentation.setConfig(ON);
    const pages: Record<string, { tools: object[]; nextCursor?: string }> = {
      first: {
        tools: [
          { name: "get_more_tools", inputSchema: { type: "object" } },
          { name: "a", inputSchema: { type: "object" } },
        ],
        nextCursor: "second",
      },
      second: { tools: [{ name: "b", inputSchema: { type: "object" } }] },
    };
    const server = new Server(
      { name: "paginated-own-more-v1", version: "1.0.0" },
      { capabilities: { tools: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async (request) =>
      structuredClone(pages[request.params?.cursor ?? "first"]!),
    );
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({
      content: [{ type: "text", text: `own ${request.params.name}` }],
    }));
    const client = await inMemory(server);
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      names.push(...page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(["get_more_tools", "a", "b"]);
    const more = await client.callTool({ name: "get_more_tools", arguments: { context: "x" } });
    expect(more.content).toEqual([{ type: "text", text: "own get_more_tools" }]);
    await client.close();
  });

  it("a server without tools: get_more_tools is neither listed nor answered (its own Method not found)", async () => {
    instrumentation.setConfig(ON);
    const server = new Server(
      { name: "no-tools-v1", version: "1.0.0" },
      { capabilities: { prompts: {} } },
    );
    const client = await inMemory(server);
    await expect(client.listTools()).rejects.toThrow(/Method not found/);
    await expect(
      client.callTool({ name: "get_more_tools", arguments: { context: "x" } }),
    ).rejects.toThrow(/Method not found/);
    await client.close();
  });

  it("a tool whose schema is left as it is (anyOf) keeps the context it declares", async () => {
    instrumentation.setConfig(ON);
    const server = new Server(
      { name: "combinator-context-v1", version: "1.0.0" },
      { capabilities: { tools: {} } },
    );
    const inputSchema = {
      type: "object",
      anyOf: [
        { properties: { context: { type: "string" } }, required: ["context"] },
        { properties: { query: { type: "string" } }, required: ["query"] },
      ],
    };
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: "search", inputSchema }],
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      note("combinator", request.params.arguments);
      return { content: [{ type: "text", text: "ok" }] };
    });
    const client = await inMemory(server);
    const listed = (await client.listTools()).tools as Tool[];
    expect(byName(listed, "search")!.inputSchema).toEqual(inputSchema);
    received.clear();
    await client.callTool({ name: "search", arguments: { context: "the tool's own" } });
    expect(received.get("combinator")).toEqual([{ context: "the tool's own" }]);
    await client.close();
  });
});

describe("SDK v1, options off", () => {
  it("tools/list is byte for byte what an uninstrumented server sends", async () => {
    const http = await statelessServer(agentServer);
    const list = async () => {
      const response = await fetch(http.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
      });
      return response.text();
    };
    try {
      instrumentation.disable();
      const uninstrumented = await list();
      instrumentation.enable();
      instrumentation.setConfig({});
      expect(await list()).toBe(uninstrumented);
      instrumentation.setConfig(ON);
      expect(await list()).not.toBe(uninstrumented);
      expect(mcpSpans(exporter).map((s) => s.name)).toEqual(["tools/list", "tools/list"]);
    } finally {
      instrumentation.enable();
      await http.close();
    }
  });
});

describe("SDK v1, options on, two connections at once, then disable()", () => {
  it("interleaved lists and calls each see their own; after disable() the server's own list and errors, its table untouched", async () => {
    instrumentation.setConfig(ON);
    const servers = [agentServer(), agentServer()];
    const tableOf = (server: McpServer) =>
      (server.server as unknown as { _requestHandlers: unknown })._requestHandlers;
    const tables = servers.map(tableOf);
    const clients = await Promise.all(servers.map(inMemory));
    received.clear();
    const rounds = await Promise.all(
      clients.flatMap((client, i) => [
        client.listTools(),
        client.callTool({ name: "echo", arguments: { text: `c${i}`, context: `why ${i}` } }),
        client.callTool({ name: "get_more_tools", arguments: { context: `more ${i}` } }),
        client.listTools(),
      ]),
    );
    for (const list of [rounds[0], rounds[3], rounds[4], rounds[7]] as { tools: Tool[] }[]) {
      expect(byName(list.tools, "echo")!.inputSchema.required).toContain("context");
      expect(byName(list.tools, "get_more_tools")).toBeDefined();
    }
    expect(received.get("echo")).toEqual([{ text: "c0" }, { text: "c1" }]);
    expect(servers.map(tableOf)).toEqual(tables);
    servers.forEach((server, i) => {
      expect(tableOf(server)).toBe(tables[i]);
    });

    instrumentation.disable();
    try {
      const own = (await clients[0]!.listTools()).tools as Tool[];
      expect(own.map((tool) => tool.name)).toEqual(["echo", "strict", "own-context"]);
      expect(byName(own, "echo")!.inputSchema.properties).not.toHaveProperty("context");
      const more = await clients[0]!.callTool({ name: "get_more_tools", arguments: {} });
      expect(more.isError).toBe(true);
      await clients[1]!.callTool({ name: "echo", arguments: { text: "after", context: "kept" } });
      expect(received.get("echo")!.at(-1)).toEqual({ text: "after" });
    } finally {
      instrumentation.enable();
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(servers.map(tableOf)).toEqual(tables);
    servers.forEach((server, i) => {
      expect(tableOf(server)).toBe(tables[i]);
    });
  });
});

describe("SDK v1, options on, a tools/list that fails or is malformed", () => {
  const answers: Record<string, () => unknown> = {
    throws: () => {
      throw new Error("list broke");
    },
    "tools not an array": () => ({ tools: "nope" }),
    "a tool that is not an object": () => ({ tools: [{ name: "a", inputSchema: {} }, 42] }),
    "a tool without a name": () => ({ tools: [{ inputSchema: { type: "object" } }] }),
    "a cursor that is not a string": () => ({ tools: [{ name: "a" }], nextCursor: 5 }),
  };
  it.each(Object.keys(answers))(
    "%s: the answer is the uninstrumented server's, byte for byte",
    async (which) => {
      const build = () => {
        const server = new Server(
          { name: `malformed-list-${which}`, version: "1.0.0" },
          { capabilities: { tools: {} } },
        );
        server.setRequestHandler(ListToolsRequestSchema, async () => answers[which]!() as never);
        return server as unknown as McpServer;
      };
      const http = await statelessServer(build);
      const list = async () => {
        const response = await fetch(http.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
        });
        return response.text();
      };
      try {
        instrumentation.disable();
        const uninstrumented = await list();
        instrumentation.enable();
        instrumentation.setConfig(ON);
        expect(await list()).toBe(uninstrumented);
      } finally {
        instrumentation.enable();
        await http.close();
      }
    },
  );
});

describe.each(["esm", "cjs"] as const)("stdio under register (%s)", (kind: ModuleKind) => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
  });
  afterAll(() => receiver.close());
  it("MCPCAT_TOOL_CALL_CONTEXT and MCPCAT_REPORT_MISSING turn both on", async () => {
    const run = await connectStdio(kind, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      MCPCAT_TOOL_CALL_CONTEXT: "1",
      MCPCAT_REPORT_MISSING: "yes",
    });
    const { tools } = (await run.client.listTools()) as { tools: Tool[] };
    expect(byName(tools, "echo")!.inputSchema.required).toEqual(["text", "context"]);
    expect(tools.at(-1)!.name).toBe("get_more_tools");
    const echoed = await run.client.callTool({
      name: "echo",
      arguments: { text: "x", context: "c" },
    });
    expect(echoed.content).toEqual([{ type: "text", text: "x" }]);
    await run.client.callTool({ name: "get_more_tools", arguments: { context: "stdio wish" } });
    await run.client.close();
    await until(
      () => receiver.spans.some((s) => s.name === "tools/call get_more_tools"),
      "the get_more_tools span",
    );
    const more = receiver.spans.find((s) => s.name === "tools/call get_more_tools")!;
    expect(more.attributes[ATTR_MCPCAT_USER_INTENT]).toBe("stdio wish");
    expect(run.clientErrors).toEqual([]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
