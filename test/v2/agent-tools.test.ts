import type { Client } from "@modelcontextprotocol/client";
import { McpServer, Server } from "@modelcontextprotocol/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { ATTR_MCPCAT_USER_INTENT } from "../../src/semconv.js";
import { DEFAULT_CONTEXT_DESCRIPTION } from "../../src/tool-call-context.js";
import { mcpSpans, setupTracing } from "../helpers/tracing.js";
import {
  connectV2Http,
  connectV2InMemory,
  type HandlerServer,
  handlerOverHttp,
  sessionfulOverHttp,
} from "./helpers.js";

// toolCallContext and reportMissing on SDK v2, in both eras: the same list, the same calls.
const { exporter, instrumentation } = setupTracing();
afterEach(() => {
  instrumentation.setConfig({});
  exporter.reset();
});

const received: unknown[] = [];

function agentServer(): McpServer {
  const server = new McpServer({ name: "agent-tools-v2", version: "2.0.0" });
  server.registerTool("echo", { inputSchema: z.object({ text: z.string() }) }, async (args) => {
    received.push(args);
    return { content: [{ type: "text", text: args.text }] };
  });
  server.registerTool(
    "strict",
    { inputSchema: z.object({ n: z.number() }).strict() },
    async (args) => {
      received.push(args);
      return { content: [{ type: "text", text: String(args.n) }] };
    },
  );
  server.registerTool(
    "own-context",
    { inputSchema: z.object({ context: z.string() }) },
    async (args) => ({ content: [{ type: "text", text: args.context }] }),
  );
  return server;
}

type Tool = {
  name: string;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
};

async function checkAgentTools(client: Client) {
  const tools = (await client.listTools()).tools as Tool[];
  const echo = tools.find((tool) => tool.name === "echo")!;
  expect(echo.inputSchema.properties!.context).toEqual({
    type: "string",
    description: DEFAULT_CONTEXT_DESCRIPTION,
  });
  expect(echo.inputSchema.required).toEqual(["text", "context"]);
  expect(
    tools.find((tool) => tool.name === "own-context")!.inputSchema.properties!.context,
  ).toEqual({
    type: "string",
  });
  expect(tools.map((tool) => tool.name)).toEqual([
    "echo",
    "strict",
    "own-context",
    "get_more_tools",
  ]);
  received.length = 0;
  const echoed = await client.callTool({
    name: "echo",
    arguments: { text: "hi", context: "v2 intent" },
  });
  expect(echoed.isError).toBeFalsy();
  const strict = await client.callTool({
    name: "strict",
    arguments: { n: 3, context: "strict intent" },
  });
  expect(strict.isError).toBeFalsy();
  expect(received).toEqual([{ text: "hi" }, { n: 3 }]);
  const own = await client.callTool({ name: "own-context", arguments: { context: "kept" } });
  expect(own.content).toEqual([{ type: "text", text: "kept" }]);
  expect(
    (await client.callTool({ name: "echo", arguments: { text: "bare" } })).isError,
  ).toBeFalsy();
  const more = await client.callTool({ name: "get_more_tools", arguments: { context: "v2 wish" } });
  expect(more.isError).toBeFalsy();
  expect((more.content as { text: string }[])[0]!.text).toMatch(/complete.*noted/s);

  const spans = mcpSpans(exporter);
  expect(spans.find((s) => s.name === "tools/call echo")!.attributes[ATTR_MCPCAT_USER_INTENT]).toBe(
    "v2 intent",
  );
  const moreSpan = spans.find((s) => s.name === "tools/call get_more_tools")!;
  expect(moreSpan.attributes[ATTR_MCPCAT_USER_INTENT]).toBe("v2 wish");
}

describe("SDK v2, toolCallContext and reportMissing on", () => {
  let handler: HandlerServer;
  let sessionful: HandlerServer;
  beforeAll(async () => {
    handler = await handlerOverHttp(agentServer);
    sessionful = await sessionfulOverHttp(agentServer);
  });
  afterAll(() => Promise.all([handler.close(), sessionful.close()]));

  it("in-memory McpServer", async () => {
    instrumentation.setConfig({ toolCallContext: true, reportMissing: true });
    const { client } = await connectV2InMemory(agentServer());
    await checkAgentTools(client);
    await client.close();
  });

  it.each(["legacy", "modern"] as const)("createMcpHandler over HTTP, %s era", async (era) => {
    instrumentation.setConfig({ toolCallContext: true, reportMissing: true });
    const client = await connectV2Http(handler.url, era);
    await checkAgentTools(client);
    await client.close();
  });

  it("the sessionful legacy HTTP transport", async () => {
    instrumentation.setConfig({ toolCallContext: true, reportMissing: true });
    const client = await connectV2Http(sessionful.url, "legacy");
    await checkAgentTools(client);
    await client.close();
  });

  it("a low-level Server: its tools copied, a oneOf schema skipped", async () => {
    instrumentation.setConfig({ toolCallContext: true, reportMissing: true });
    const tools = [
      { name: "plain", inputSchema: { type: "object" as const, properties: {} } },
      {
        name: "either",
        inputSchema: { type: "object" as const, anyOf: [{ required: ["a"] }, { required: ["b"] }] },
      },
    ];
    const before = JSON.stringify(tools);
    const server = new Server(
      { name: "low-level-v2", version: "2.0.0" },
      { capabilities: { tools: {} } },
    );
    server.setRequestHandler("tools/list", async () => ({ tools }));
    server.setRequestHandler("tools/call", async (request) => {
      received.push(request.params.arguments);
      return { content: [{ type: "text", text: "ok" }] };
    });
    const { client } = await connectV2InMemory(server as unknown as McpServer);
    const listed = (await client.listTools()).tools as Tool[];
    expect(listed.map((tool) => tool.name)).toEqual(["plain", "either", "get_more_tools"]);
    expect(listed[0]!.inputSchema.required).toEqual(["context"]);
    expect(listed[1]!.inputSchema).toEqual(tools[1]!.inputSchema);
    expect(JSON.stringify(tools)).toBe(before);
    received.length = 0;
    await client.callTool({ name: "plain", arguments: { context: "low" } });
    await client.callTool({ name: "get_more_tools", arguments: { context: "more" } });
    expect(received).toEqual([{}]);
    await client.close();
  });
});
