import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
let connection: Awaited<ReturnType<typeof connectInMemory>>;
/** What the client put on the wire: propagation is proven by `_meta` itself, not by async context. */
const wire: JSONRPCMessage[] = [];

beforeAll(async () => {
  connection = await connectInMemory(buildServer());
  const send = connection.clientTransport.send.bind(connection.clientTransport);
  connection.clientTransport.send = (message, options) => {
    wire.push(structuredClone(message));
    return send(message, options);
  };
});
afterAll(() => connection.client.close());
beforeEach(() => {
  exporter.reset();
  wire.length = 0;
  instrumentation.setConfig({});
});

function sentRequest(method: string) {
  return wire.find((m) => "method" in m && m.method === method) as {
    id: number;
    params: { _meta?: Record<string, unknown> };
  };
}

describe("CLIENT spans", () => {
  it("one CLIENT span per request sent, with the SERVER span as its child through _meta", async () => {
    await connection.client.callTool({ name: "echo", arguments: { text: "hi" } });
    const [sent] = clientSpans(exporter);
    expect(sent?.name).toBe("tools/call echo");
    expect(sent?.kind).toBe(SpanKind.CLIENT);
    const request = sentRequest("tools/call");
    expect(sent?.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "jsonrpc.request.id": String(request.id),
      "gen_ai.tool.name": "echo",
      "gen_ai.operation.name": "execute_tool",
      "mcpcat.server.name": "test-server",
      "mcpcat.client.name": "test-client",
    });
    // No server.address over a transport that has no URL.
    expect(sent?.attributes["server.address"]).toBeUndefined();
    const { traceId, spanId } = sent!.spanContext();
    expect(request.params._meta?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    const handled = mcpSpans(exporter)[0]!;
    expect(handled.parentSpanContext?.spanId).toBe(spanId);
    expect(handled.spanContext().traceId).toBe(traceId);
  });

  it("injects into a copy of _meta: the caller's object is untouched and its keys win", async () => {
    const meta = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, custom: "kept" };
    const params = { name: "echo", arguments: { text: "x" }, _meta: meta };
    await connection.client.callTool(params);
    expect(meta).toEqual({
      traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
      custom: "kept",
    });
    expect(params._meta).toBe(meta);
    expect(sentRequest("tools/call").params._meta).toEqual(meta);
  });

  it("keeps the SDK's own _meta (progress token) beside the trace context", async () => {
    await connection.client.callTool({ name: "echo", arguments: { text: "x" } }, undefined, {
      onprogress: () => {},
    });
    const sent = sentRequest("tools/call").params._meta!;
    expect(sent.progressToken).toEqual(expect.any(Number));
    expect(sent.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("requests without params carry the context too", async () => {
    await connection.client.listTools();
    expect(sentRequest("tools/list").params._meta?.traceparent).toEqual(expect.any(String));
    expect(clientSpans(exporter).map((s) => s.name)).toEqual(["tools/list"]);
  });

  it("an isError tool result is a tool_error on the CLIENT span too", async () => {
    await connection.client.callTool({ name: "soft-fail", arguments: {} });
    const sent = clientSpans(exporter)[0]!;
    expect(sent.attributes["error.type"]).toBe("tool_error");
    expect(sent.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "quota exceeded\ntry later",
    });
  });

  it("a client-fault code is an error of the CLIENT span (not of the SERVER span)", async () => {
    await expect(connection.client.request({ method: "nope/x" }, z.object({}))).rejects.toThrow();
    const sent = clientSpans(exporter)[0]!;
    expect(sent.attributes).toMatchObject({
      "rpc.response.status_code": "-32601",
      "error.type": "-32601",
    });
    expect(sent.status.code).toBe(SpanStatusCode.ERROR);
    expect(
      sent.events.find((e) => e.name === "exception")?.attributes?.["exception.stacktrace"],
    ).toBeDefined();
    expect(mcpSpans(exporter)[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a request that times out ends its CLIENT span with the SDK's timeout code", async () => {
    await expect(
      connection.client.callTool({ name: "sleep", arguments: { ms: 500 } }, undefined, {
        timeout: 30,
      }),
    ).rejects.toThrow(/timed out/i);
    const sent = clientSpans(exporter)[0]!;
    expect(sent.attributes["error.type"]).toBe("-32001");
    expect(sent.status.code).toBe(SpanStatusCode.ERROR);
    await waitFor(() => mcpSpans(exporter).length === 1, "the server span of the cancelled call");
  });

  it("no unhandled rejection when the caller ignores a failed request's promise", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await connection.client.request({ method: "nope/y" }, z.object({})).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
