import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { SpanStatusCode } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { ATTR_RPC_RESPONSE_STATUS_CODE } from "../../src/semconv.js";
import { mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";

const { exporter } = setupTracing();
let peer: InMemoryTransport | undefined;
afterEach(async () => {
  await peer?.close();
  exporter.reset();
});

const RELATED_TASK = "io.modelcontextprotocol/related-task";

/** A server with the SDK's experimental task store and message queue, and a raw peer. */
async function taskServer() {
  const server = new McpServer(
    { name: "tasks", version: "1" },
    {
      capabilities: { tools: {} },
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: new InMemoryTaskMessageQueue(),
    },
  );
  server.registerTool("quick", {}, async () => ({ content: [{ type: "text", text: "done" }] }));
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const sent: JSONRPCMessage[] = [];
  client.onmessage = (message) => void sent.push(message);
  await client.start();
  peer = client;
  return { client, sent };
}

describe("bug 7: a request tied to a task (its response is queued, not sent)", () => {
  for (const [name, method, params] of [
    ["a result", "tools/call", { name: "quick", arguments: {} }],
    ["an isError result", "tools/call", { name: "no-such-tool", arguments: {} }],
    ["a JSON-RPC error", "no/such-method", {}],
  ] as const) {
    it(`the span ends when ${name} is queued, not at session end`, async () => {
      const { client, sent } = await taskServer();
      await client.send({
        jsonrpc: "2.0",
        id: 1,
        method,
        params: { ...params, _meta: { [RELATED_TASK]: { taskId: "task-1" } } },
      } as JSONRPCMessage);
      await waitFor(() => mcpSpans(exporter).length === 1, "the span, before the session ends");
      expect(sent).toEqual([]); // queued for tasks/result: nothing went on the transport
      const span = mcpSpans(exporter)[0]!;
      const ms = span.duration[0] * 1000 + span.duration[1] / 1e6;
      expect(ms).toBeLessThan(1000);
      expect(span.status.message ?? "").not.toMatch(/closed|no response/);
      if (name === "a result") expect(span.status.code).toBe(SpanStatusCode.UNSET);
      if (name === "an isError result") expect(span.attributes["error.type"]).toBe("tool_error");
      if (name === "a JSON-RPC error")
        expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBe("-32601");
    });
  }
});
