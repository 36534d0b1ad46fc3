import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing } from "./helpers/tracing.js";

const { exporter } = setupTracing();
let connection: Awaited<ReturnType<typeof connectInMemory>>;
let sessionId: string;

beforeAll(async () => {
  connection = await connectInMemory(buildServer());
  sessionId = String(mcpSpans(exporter)[0]?.attributes["mcp.session.id"]);
});
afterAll(() => connection.client.close());
beforeEach(() => exporter.reset());

/** The one MCP span the last call produced. */
function onlySpan(): ReadableSpan {
  const spans = mcpSpans(exporter);
  expect(spans.map((s) => s.name)).toHaveLength(1);
  return spans[0]!;
}

/** Attributes every request span on this connection carries. */
function common(method: string) {
  return {
    "mcp.method.name": method,
    "mcp.session.id": sessionId,
    "mcpcat.server.name": "test-server",
    "mcpcat.server.version": "1.2.3",
    "mcpcat.client.name": "test-client",
    "mcpcat.client.version": "9.9.9",
    "mcp.protocol.version": "2025-11-25",
  };
}

function expectOk(span: ReadableSpan) {
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(span.attributes["error.type"]).toBeUndefined();
  expect(span.attributes["rpc.response.status_code"]).toBeUndefined();
}

describe("one SERVER span per request kind (in-memory transport)", () => {
  it("initialize: client and protocol version from the handshake, request id 0 recorded", async () => {
    exporter.reset();
    const other = await connectInMemory(buildServer(), "second-client");
    const span = onlySpan();
    expect(span.name).toBe("initialize");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({
      "mcp.method.name": "initialize",
      "jsonrpc.request.id": "0",
      "mcpcat.client.name": "second-client",
      "mcp.protocol.version": "2025-11-25",
    });
    expect(span.attributes["mcp.session.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(span.attributes["mcp.session.id"]).not.toBe(sessionId);
    expectOk(span);
    await other.client.close();
  });

  it("ping", async () => {
    await connection.client.ping();
    const span = onlySpan();
    expect(span.name).toBe("ping");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject(common("ping"));
    expect(span.attributes["jsonrpc.request.id"]).toMatch(/^\d+$/);
    expectOk(span);
  });

  it("tools/list", async () => {
    await connection.client.listTools();
    const span = onlySpan();
    expect(span.name).toBe("tools/list");
    expect(span.attributes).toMatchObject(common("tools/list"));
    expect(span.attributes["gen_ai.tool.name"]).toBeUndefined();
    expectOk(span);
  });

  it("tools/call success: tool name, execute_tool, no content by default", async () => {
    await connection.client.callTool({ name: "echo", arguments: { text: "hello" } });
    const span = onlySpan();
    expect(span.name).toBe("tools/call echo");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({
      ...common("tools/call"),
      "gen_ai.tool.name": "echo",
      "gen_ai.operation.name": "execute_tool",
    });
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    expect(span.attributes["gen_ai.tool.call.result"]).toBeUndefined();
    expectOk(span);
  });

  it("tools/call that throws: McpServer answers isError, recorded as tool_error", async () => {
    const result = await connection.client.callTool({ name: "boom", arguments: {} });
    expect(result.isError).toBe(true);
    const span = onlySpan();
    expect(span.name).toBe("tools/call boom");
    expect(span.attributes["error.type"]).toBe("tool_error");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "tool exploded" });
    expect(span.attributes["rpc.response.status_code"]).toBeUndefined();
  });

  it("tools/call with an isError result: message is the joined text content", async () => {
    await connection.client.callTool({ name: "soft-fail", arguments: {} });
    const span = onlySpan();
    expect(span.attributes["error.type"]).toBe("tool_error");
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "quota exceeded\ntry later",
    });
  });

  it("tools/call of an unknown tool", async () => {
    const result = await connection.client.callTool({ name: "nope", arguments: {} });
    expect(result.isError).toBe(true);
    const span = onlySpan();
    expect(span.name).toBe("tools/call nope");
    expect(span.attributes["gen_ai.tool.name"]).toBe("nope");
    expect(span.attributes["error.type"]).toBe("tool_error");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toContain("nope");
  });

  it("resources/list", async () => {
    await connection.client.listResources();
    const span = onlySpan();
    expect(span.name).toBe("resources/list");
    expect(span.attributes).toMatchObject(common("resources/list"));
    expect(span.attributes["mcp.resource.uri"]).toBeUndefined();
    expectOk(span);
  });

  it("resources/read: URI as an attribute, never in the span name", async () => {
    await connection.client.readResource({ uri: "users://alice" });
    const span = onlySpan();
    expect(span.name).toBe("resources/read");
    expect(span.attributes).toMatchObject({
      ...common("resources/read"),
      "mcp.resource.uri": "users://alice",
    });
    expectOk(span);
  });

  it("resources/read of an unknown resource: a client-fault code, not a server error", async () => {
    // SDK 1.32 answers -32602 here (other servers use MCP's -32002; see low-level tests).
    await expect(connection.client.readResource({ uri: "file:///missing" })).rejects.toThrow();
    const span = onlySpan();
    expect(span.attributes["mcp.resource.uri"]).toBe("file:///missing");
    expect(span.attributes["rpc.response.status_code"]).toBe("-32602");
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("resources/templates/list", async () => {
    await connection.client.listResourceTemplates();
    const span = onlySpan();
    expect(span.name).toBe("resources/templates/list");
    expect(span.attributes).toMatchObject(common("resources/templates/list"));
    expectOk(span);
  });

  it("prompts/list", async () => {
    await connection.client.listPrompts();
    const span = onlySpan();
    expect(span.name).toBe("prompts/list");
    expectOk(span);
  });

  it("prompts/get: prompt name in the name and as gen_ai.prompt.name", async () => {
    await connection.client.getPrompt({ name: "greet", arguments: { who: "ada" } });
    const span = onlySpan();
    expect(span.name).toBe("prompts/get greet");
    expect(span.attributes).toMatchObject({
      ...common("prompts/get"),
      "gen_ai.prompt.name": "greet",
    });
    expect(span.attributes["gen_ai.prompt.variable.who"]).toBeUndefined();
    expectOk(span);
  });

  it("prompts/get with invalid arguments: -32602 recorded, not a server error", async () => {
    await expect(connection.client.getPrompt({ name: "greet", arguments: {} })).rejects.toThrow();
    const span = onlySpan();
    expect(span.attributes["rpc.response.status_code"]).toBe("-32602");
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("completion/complete", async () => {
    await connection.client.complete({
      ref: { type: "ref/resource", uri: "users://{id}" },
      argument: { name: "id", value: "a" },
    });
    const span = onlySpan();
    expect(span.name).toBe("completion/complete");
    expect(span.attributes).toMatchObject(common("completion/complete"));
    expectOk(span);
  });

  it("logging/setLevel", async () => {
    await connection.client.setLoggingLevel("warning");
    const span = onlySpan();
    expect(span.name).toBe("logging/setLevel");
    expect(span.attributes).toMatchObject(common("logging/setLevel"));
    expectOk(span);
  });

  it("an unknown method: -32601 recorded, not a server error", async () => {
    await expect(
      connection.client.request({ method: "foo/bar", params: {} }, z.object({})),
    ).rejects.toThrow(/Method not found/);
    const span = onlySpan();
    expect(span.name).toBe("foo/bar");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes["rpc.response.status_code"]).toBe("-32601");
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("notifications make no span", async () => {
    await connection.client.notification({ method: "notifications/initialized" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(mcpSpans(exporter)).toHaveLength(0);
  });
});
