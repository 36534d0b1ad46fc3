import type { Client } from "@modelcontextprotocol/client";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spanToEvent } from "../../src/index.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from "../../src/semconv.js";
import { clientSpans, mcpSpans, setupTracing } from "../helpers/tracing.js";
import {
  buildV2Server,
  connectV2Http,
  connectV2InMemory,
  type HandlerServer,
  handlerOverHttp,
} from "./helpers.js";

const { exporter } = setupTracing();

interface Setup {
  name: string;
  connect(): Promise<Client>;
  protocolVersion: string;
  /** stateful in-memory connections get one invented session id; HTTP ones none */
  session: boolean;
  transport: string | undefined;
}

let http: HandlerServer;
beforeAll(async () => {
  http = await handlerOverHttp();
});
afterAll(() => http.close());

const setups: Setup[] = [
  {
    name: "in-memory (legacy era)",
    connect: async () => (await connectV2InMemory(buildV2Server())).client,
    protocolVersion: "2025-11-25",
    session: true,
    transport: undefined,
  },
  {
    name: "createMcpHandler over HTTP, legacy-era client",
    // Served statelessly: the client's name comes from these headers, per request.
    connect: () =>
      connectV2Http(http.url, "legacy", {
        headers: { "x-mcp-client-name": "v2-client", "x-mcp-client-version": "7.7.7" },
      }),
    protocolVersion: "2025-11-25",
    session: false,
    transport: "tcp",
  },
  {
    name: "createMcpHandler over HTTP, modern-era client (2026-07-28)",
    // No headers: the client's name comes from each request's _meta envelope.
    connect: () => connectV2Http(http.url, "modern"),
    protocolVersion: "2026-07-28",
    session: false,
    transport: "tcp",
  },
];

describe.each(setups)("SDK v2, $name: one SERVER and one CLIENT span per request", (setup) => {
  let client: Client;
  beforeAll(async () => {
    client = await setup.connect();
  });
  afterAll(() => client.close());
  beforeEach(() => exporter.reset());

  /** The one SERVER span of the last call, its CLIENT span, and the attributes both share. */
  function pair(name: string): { server: ReadableSpan; client: ReadableSpan } {
    const servers = mcpSpans(exporter);
    const clients = clientSpans(exporter);
    expect(servers.map((s) => s.name)).toEqual([name]);
    expect(clients.map((s) => s.name)).toEqual([name]);
    const server = servers[0]!;
    const sent = clients[0]!;
    expect(server.kind).toBe(SpanKind.SERVER);
    // One trace: the SERVER span's parent is the CLIENT span (context carried in _meta).
    expect(server.spanContext().traceId).toBe(sent.spanContext().traceId);
    expect(server.parentSpanContext?.spanId).toBe(sent.spanContext().spanId);
    expect(server.attributes).toMatchObject({
      [ATTR_MCP_METHOD_NAME]: name.split(" ")[0],
      [ATTR_MCPCAT_SERVER_NAME]: "v2-server",
      [ATTR_MCPCAT_SERVER_VERSION]: "2.3.4",
      [ATTR_MCPCAT_CLIENT_NAME]: "v2-client",
      [ATTR_MCPCAT_CLIENT_VERSION]: "7.7.7",
      [ATTR_MCP_PROTOCOL_VERSION]: setup.protocolVersion,
    });
    expect(server.attributes[ATTR_JSONRPC_REQUEST_ID]).toBe(
      sent.attributes[ATTR_JSONRPC_REQUEST_ID],
    );
    expect(server.attributes[ATTR_NETWORK_TRANSPORT]).toBe(setup.transport);
    if (setup.session) {
      expect(server.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
      expect(sent.attributes[ATTR_MCP_SESSION_ID]).toBeDefined();
    } else {
      expect(server.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
      expect(sent.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    }
    expect(sent.attributes).toMatchObject({
      [ATTR_MCPCAT_CLIENT_NAME]: "v2-client",
      [ATTR_MCPCAT_SERVER_NAME]: "v2-server",
      [ATTR_MCP_PROTOCOL_VERSION]: setup.protocolVersion,
    });
    return { server, client: sent };
  }

  function expectOk(span: ReadableSpan) {
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
  }

  it.skipIf(setup.protocolVersion === "2026-07-28")("ping (legacy era only)", async () => {
    await client.ping();
    expectOk(pair("ping").server);
  });

  it.runIf(setup.protocolVersion === "2026-07-28")("server/discover (modern era)", async () => {
    await client.discover();
    const { server } = pair("server/discover");
    expectOk(server);
    // The MCPCat API lists no event type for it: no event, unless unknown methods are asked for.
    expect(spanToEvent(server, { projectId: "p" })).toBeNull();
    expect(spanToEvent(server, { projectId: "p", includeUnknownMethods: true })).toMatchObject({
      eventType: "mcp:server/discover",
      sessionId: null,
    });
  });

  it("tools/list", async () => {
    await client.listTools();
    expectOk(pair("tools/list").server);
  });

  it("tools/call: span named after the tool", async () => {
    await client.callTool({ name: "echo", arguments: { text: "hi" } });
    const { server, client: sent } = pair("tools/call echo");
    for (const span of [server, sent]) {
      expect(span.attributes).toMatchObject({
        [ATTR_GEN_AI_TOOL_NAME]: "echo",
        [ATTR_GEN_AI_OPERATION_NAME]: "execute_tool",
      });
      expectOk(span);
    }
  });

  it("tools/call of a throwing tool: an isError result, error.type tool_error", async () => {
    const result = await client.callTool({ name: "boom", arguments: {} });
    expect(result.isError).toBe(true);
    const { server } = pair("tools/call boom");
    expect(server.attributes[ATTR_ERROR_TYPE]).toBe("tool_error");
    expect(server.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(server.status.message).toContain("tool exploded");
  });

  it("tools/call with isError: true", async () => {
    await client.callTool({ name: "soft-fail", arguments: {} });
    const { server } = pair("tools/call soft-fail");
    expect(server.attributes[ATTR_ERROR_TYPE]).toBe("tool_error");
    expect(server.status.message).toBe("quota exceeded");
  });

  it("resources/list, resources/templates/list", async () => {
    await client.listResources();
    expectOk(pair("resources/list").server);
    exporter.reset();
    await client.listResourceTemplates();
    expectOk(pair("resources/templates/list").server);
  });

  it("resources/read: the URI as an attribute, never in the name", async () => {
    await client.readResource({ uri: "users://alice" });
    const { server } = pair("resources/read");
    expect(server.attributes[ATTR_MCP_RESOURCE_URI]).toBe("users://alice");
    expectOk(server);
  });

  it("resources/read of an unknown URI: a client fault, not an error of the server", async () => {
    await expect(client.readResource({ uri: "nowhere://x" })).rejects.toThrow();
    const { server, client: sent } = pair("resources/read");
    expect(server.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toMatch(/^-3200[2]$|^-32602$/);
    expect(server.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    // To the client it is an error.
    expect(sent.status.code).toBe(SpanStatusCode.ERROR);
    expect(sent.attributes[ATTR_ERROR_TYPE]).toBe(server.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]);
  });

  it("prompts/list, prompts/get", async () => {
    await client.listPrompts();
    expectOk(pair("prompts/list").server);
    exporter.reset();
    await client.getPrompt({ name: "greet", arguments: { who: "ada" } });
    const { server } = pair("prompts/get greet");
    expect(server.attributes[ATTR_GEN_AI_PROMPT_NAME]).toBe("greet");
  });

  it("completion/complete", async () => {
    await client.complete({
      ref: { type: "ref/resource", uri: "users://{id}" },
      argument: { name: "id", value: "a" },
    });
    expectOk(pair("completion/complete").server);
  });
});
