import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  CreateMessageRequestSchema,
  type JSONRPCMessage,
} from "@modelcontextprotocol/sdk/types.js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCP_SESSION_ID,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";

const { exporter, instrumentation, provider } = setupTracing();
const closers: (() => Promise<void>)[] = [];
beforeEach(() => {
  exporter.reset();
  instrumentation.setConfig({});
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server whose `ask` tool samples the client, and a client that answers sampling. */
async function samplingPair() {
  const server = buildServer();
  server.registerTool("ask", {}, async () => {
    const reply = await server.server.createMessage({
      messages: [{ role: "user", content: { type: "text", text: "hi" } }],
      maxTokens: 5,
    });
    return { content: [{ type: "text", text: JSON.stringify(reply.content) }] };
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "c", version: "1" }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: "m",
    role: "assistant",
    content: { type: "text", text: "hello" },
  }));
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  closers.push(() => client.close());
  return { server, client };
}

describe("bug 3: one connection, one invented session id in both directions", () => {
  it("the CLIENT span of a server-initiated sampling request shares the SERVER spans' id", async () => {
    const { client } = await samplingPair();
    await client.callTool({ name: "ask", arguments: {} });
    await waitFor(() => clientSpans(exporter).length >= 2, "CLIENT spans");
    const serverSide = mcpSpans(exporter).filter((s) => s.name === "tools/call ask")[0]!;
    const sampling = clientSpans(exporter).find((s) => s.name === "sampling/createMessage")!;
    expect(serverSide.attributes[ATTR_MCP_SESSION_ID]).toEqual(expect.any(String));
    expect(sampling.attributes[ATTR_MCP_SESSION_ID]).toBe(
      serverSide.attributes[ATTR_MCP_SESSION_ID],
    );
    // And on the client's end: its CLIENT tools/call and its SERVER span answering sampling.
    const sent = clientSpans(exporter).find((s) => s.name === "tools/call ask")!;
    const answered = mcpSpans(exporter).find((s) => s.name === "sampling/createMessage")!;
    expect(answered.attributes[ATTR_MCP_SESSION_ID]).toBe(sent.attributes[ATTR_MCP_SESSION_ID]);
  });
});

describe("bug 4: no rpc.response.status_code for an error no response carried", () => {
  async function sleepy() {
    const { client, clientTransport } = await connectInMemory(buildServer());
    closers.push(() => client.close());
    exporter.reset();
    return { client, clientTransport };
  }
  async function sentSpan() {
    await waitFor(() => clientSpans(exporter).length === 1, "the CLIENT span");
    return clientSpans(exporter)[0]!;
  }

  it("a local timeout (-32001)", async () => {
    const { client } = await sleepy();
    await expect(
      client.callTool({ name: "sleep", arguments: { ms: 300 } }, undefined, { timeout: 20 }),
    ).rejects.toThrow(/timed out/);
    const span = await sentSpan();
    expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBeUndefined();
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe("-32001");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("an abort", async () => {
    const { client } = await sleepy();
    const controller = new AbortController();
    const call = client.callTool({ name: "sleep", arguments: { ms: 300 } }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 10);
    await expect(call).rejects.toThrow();
    const span = await sentSpan();
    expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("a connection closed (-32000)", async () => {
    const { client } = await sleepy();
    const call = client.callTool({ name: "sleep", arguments: { ms: 300 } });
    setTimeout(() => void client.close(), 10);
    await expect(call).rejects.toThrow(/Connection closed/);
    const span = await sentSpan();
    expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBeUndefined();
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe("-32000");
  });

  it("but an error the server sent has it", async () => {
    const { client } = await sleepy();
    await expect(client.getPrompt({ name: "nope" })).rejects.toThrow();
    const span = await sentSpan();
    expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toEqual(expect.any(String));
  });
});

describe("bug 5: two requests in flight with one id", () => {
  it("each gets its own response and duration", async () => {
    instrumentation.setConfig({ captureContent: true });
    const [peer, serverSide] = InMemoryTransport.createLinkedPair();
    await buildServer().connect(serverSide);
    const replies: JSONRPCMessage[] = [];
    peer.onmessage = (message) => void replies.push(message);
    await peer.start();
    closers.push(() => peer.close());
    const call = (ms: number) =>
      peer.send({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "sleep", arguments: { ms } },
      } as JSONRPCMessage);
    await call(120);
    await call(10);
    await waitFor(() => replies.length === 2 && mcpSpans(exporter).length === 2, "two replies");
    for (const span of mcpSpans(exporter)) {
      const { ms } = JSON.parse(String(span.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]));
      expect(String(span.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT])).toContain(`slept ${ms}`);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      const duration = span.duration[0] * 1000 + span.duration[1] / 1e6;
      if (ms === 120) expect(duration).toBeGreaterThanOrEqual(100);
      else expect(duration).toBeLessThan(100);
    }
  });
});

describe("bug 6: the client side makes no MCPCat event", () => {
  it("a Client answering a server's sampling request or ping: SERVER span, no event", async () => {
    const { server, client } = await samplingPair();
    await client.callTool({ name: "ask", arguments: {} });
    await server.server.ping();
    await waitFor(() => mcpSpans(exporter).length >= 4, "SERVER spans");
    const handledByClient = mcpSpans(exporter).filter(
      (s) => s.name === "sampling/createMessage" || s.name === "ping",
    );
    expect(handledByClient.map((s) => s.name).sort()).toEqual(["ping", "sampling/createMessage"]);
    for (const span of handledByClient) expect(spanToEvent(span, { projectId: "p" })).toBeNull();
    // The server's own spans still make events.
    const ask = mcpSpans(exporter).find((s) => s.name === "tools/call ask")!;
    expect(spanToEvent(ask, { projectId: "p" })?.eventType).toBe("mcp:tools/call");
  });

  it("a span named mcpcat:identify without user.id makes no identify event", () => {
    const tracer = provider.getTracer("someone-else");
    tracer.startSpan(MCPCAT_IDENTIFY_SPAN_NAME, { kind: SpanKind.INTERNAL }).end();
    const span = exporter.getFinishedSpans().find((s) => s.name === MCPCAT_IDENTIFY_SPAN_NAME)!;
    expect(spanToEvent(span, { projectId: "p" })).toBeNull();
  });
});
