import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureDiag } from "./helpers/diag.js";
import { buildServer } from "./helpers/servers.js";
import { mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

// A raw JSON-RPC peer: what a buggy or hostile client sends, with no SDK Client to tidy it up.
const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();
let client: InMemoryTransport;
const replies = new Map<unknown, JSONRPCMessage>();

beforeAll(async () => {
  instrumentation.setConfig({
    captureContent: true,
    identify: (request) => ({ userId: String((request.params as { who?: unknown })?.who ?? "x") }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = clientSide;
  client.onmessage = (message) => {
    if ("id" in message) replies.set(message.id, message);
  };
  await buildServer().connect(serverSide);
  await client.start();
  await client.send({
    jsonrpc: "2.0",
    id: "init",
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: 42 } },
  } as JSONRPCMessage);
});
afterAll(() => client.close());

async function send(id: string, method: string, params?: unknown) {
  exporter.reset();
  await client.send({ jsonrpc: "2.0", id, method, params } as JSONRPCMessage);
  await waitFor(() => replies.has(id), `a reply to ${id}`);
  await waitFor(() => mcpSpans(exporter).length === 1, `the span of ${id}`);
  return { reply: replies.get(id) as Record<string, any>, span: mcpSpans(exporter)[0]! };
}

describe("bad input is recorded safely and answered as without instrumentation", () => {
  it("initialize with a clientInfo.name that is not a string: the SDK's error, no client attributes", async () => {
    await waitFor(() => replies.has("init"), "initialize reply");
    expect(replies.get("init")).toHaveProperty("error");
    const span = mcpSpans(exporter).find((s) => s.name === "initialize")!;
    expect(span.attributes["mcpcat.client.name"]).toBeUndefined();
    expect(span.attributes["rpc.response.status_code"]).toBeDefined();
  });

  it("tools/call whose name is a number: no target, the SDK's own error recorded as sent", async () => {
    const { reply, span } = await send("a", "tools/call", { name: 5, arguments: {} });
    expect(span.name).toBe("tools/call");
    expect(span.attributes["gen_ai.tool.name"]).toBeUndefined();
    expect(span.attributes["rpc.response.status_code"]).toBe(String(reply.error.code));
  });

  it("params that are a string: the SDK drops the message before any handler; no span", async () => {
    exporter.reset();
    await client.send({ jsonrpc: "2.0", id: "b", method: "tools/list", params: "x" } as never);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replies.has("b")).toBe(false);
    expect(mcpSpans(exporter)).toEqual([]);
  });

  it("_meta that is junk and a non-string context: ignored, the call works", async () => {
    const b = await send("c", "tools/call", {
      name: "sleep",
      arguments: { ms: 1, context: 12 },
      _meta: { traceparent: 7, tracestate: { nested: true } },
    });
    expect(b.reply.result.content).toEqual([{ type: "text", text: "slept 1" }]);
    expect(b.span.attributes["mcpcat.user_intent"]).toBeUndefined();
    expect(b.span.parentSpanContext).toBeUndefined();
  });

  it("a 1 MB argument is cut to maxContentLength, and the call still works", async () => {
    const { reply, span } = await send("d", "tools/call", {
      name: "echo",
      arguments: { text: "y".repeat(1_000_000) },
    });
    expect(reply.result.content[0].text).toHaveLength(1_000_000);
    expect(String(span.attributes["gen_ai.tool.call.arguments"])).toHaveLength(32_768);
    expect(String(span.attributes["gen_ai.tool.call.result"])).toHaveLength(32_768);
  });

  it("a cancel for id 0, which the SDK ignores, does not turn an answered request into an error", async () => {
    exporter.reset();
    await client.send({
      jsonrpc: "2.0",
      id: 0,
      method: "tools/call",
      params: { name: "sleep", arguments: { ms: 30 } },
    } as JSONRPCMessage);
    await client.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 0 },
    } as JSONRPCMessage);
    await waitFor(() => replies.has(0), "the reply to id 0");
    await waitFor(() => mcpSpans(exporter).length === 1, "the span of id 0");
    const span = mcpSpans(exporter)[0]!;
    expect((replies.get(0) as { result?: unknown }).result).toBeDefined();
    expect(span.status.code).toBe(0);
    expect(span.attributes["error.type"]).toBeUndefined();
  });

  it("identify that reads a hostile field still yields a string id; no diag errors anywhere", async () => {
    const { span } = await send("e", "tools/call", {
      name: "echo",
      arguments: { text: "z" },
      who: { toString: null },
    });
    expect(span.attributes["user.id"]).toBeUndefined();
    expect(logs.messages.filter((m) => m.level === "error")).toEqual([]);
  });
});
