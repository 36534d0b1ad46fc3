import { Client, InMemoryTransport as ClientInMemory } from "@modelcontextprotocol/client";
import { InMemoryTransport as ServerInMemory } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { SpanStatusCode } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  ATTR_ERROR_TYPE,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_USER_ID,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { clientSpans, mcpSpans, setupTracing, spansNamed, waitFor } from "../helpers/tracing.js";
import {
  buildV2Server,
  connectV2Http,
  connectV2InMemory,
  handlerOverHttp,
  sessionfulOverHttp,
  v2Client,
  withNotifyTool,
} from "./helpers.js";

const { exporter, instrumentation } = setupTracing();
beforeEach(() => {
  exporter.reset();
  instrumentation.setConfig({ identify: () => ({ userId: "ada" }) });
});
afterEach(() => instrumentation.setConfig({}));

describe("SDK v2 on the sessionful legacy transport follows v1's stateful rules", () => {
  it("every span carries the Mcp-Session-Id; one mcpcat:identify span per session", async () => {
    instrumentation.setConfig({ identify: () => ({ userId: "ada" }), sessionIdExport: "raw" });
    const http = await sessionfulOverHttp();
    try {
      const client = await connectV2Http(http.url, "legacy");
      await client.listTools();
      await client.callTool({ name: "echo", arguments: { text: "a" } });
      await client.callTool({ name: "echo", arguments: { text: "b" } });
      const sessionId = (client.transport as { sessionId?: string }).sessionId;
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
      await client.close();
      const spans = mcpSpans(exporter);
      expect(spans.map((s) => s.name)).toEqual([
        "initialize",
        "tools/list",
        "tools/call echo",
        "tools/call echo",
      ]);
      for (const span of spans.slice(1)) {
        expect(span.attributes[ATTR_MCP_SESSION_ID]).toBe(sessionId);
        // Stateful: the client's name is remembered from initialize.
        expect(span.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("v2-client");
        expect(span.attributes[ATTR_USER_ID]).toBe("ada");
      }
      const identify = spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME);
      expect(identify).toHaveLength(1);
      expect(identify[0]?.attributes[ATTR_MCP_SESSION_ID]).toBeDefined();
    } finally {
      await http.close();
    }
  });
});

describe("modern-era requests are session-less by construction", () => {
  it("a modern request on a stateful in-memory connection gets no session id and no identify span", async () => {
    const { client, clientTransport } = await connectV2InMemory(buildV2Server());
    await client.listTools();
    const legacy = mcpSpans(exporter).find((s) => s.name === "tools/list");
    expect(legacy?.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME)).toHaveLength(1);
    exporter.reset();
    // What a modern client puts on every request: the per-request _meta envelope.
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientInfo": { name: "modern-caller", version: "1.0.0" },
    };
    instrumentation.setConfig({ identify: () => ({ userId: "grace" }) });
    await clientTransport.send({
      jsonrpc: "2.0",
      id: 901,
      method: "tools/list",
      params: { _meta: meta },
    });
    await waitFor(() => mcpSpans(exporter).length === 1, "the modern tools/list span");
    const [span] = mcpSpans(exporter);
    expect(span?.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    expect(span?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("modern-caller");
    expect(span?.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2026-07-28");
    expect(span?.attributes[ATTR_USER_ID]).toBe("grace");
    // A changed identity, yet no identify span: modern requests keep no per-session memory.
    expect(spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME)).toHaveLength(0);
    await client.close();
  });

  it("a modern-era stdio connection (serveStdio): its notification spans carry no session id either", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    const server = withNotifyTool(buildV2Server());
    // serveStdio over an in-memory wire: the era is chosen by the opening exchange.
    const [clientTransport, serverTransport] = ServerInMemory.createLinkedPair();
    const served = serveStdio(() => server, { transport: serverTransport });
    const client = v2Client("modern");
    await client.connect(clientTransport);
    await client.callTool({ name: "notify", arguments: {} });
    await waitFor(
      () => spansNamed(exporter, "notifications/message").length === 2,
      "both sides of notifications/message",
    );
    const tool = mcpSpans(exporter).find((s) => s.name === "tools/call notify");
    expect(tool?.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2026-07-28");
    expect(tool?.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    for (const span of spansNamed(exporter, "notifications/message"))
      expect(span.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    await client.close();
    await served.close();
  });

  it("a modern-era stdio connection (serveStdio): the client's CLIENT spans carry no session id", async () => {
    const [clientTransport, serverTransport] = ServerInMemory.createLinkedPair();
    const served = serveStdio(() => buildV2Server(), { transport: serverTransport });
    const client = v2Client("modern");
    await client.connect(clientTransport);
    await client.listTools();
    await client.callTool({ name: "echo", arguments: { text: "a" } });
    await client.close();
    await served.close();
    const sent = clientSpans(exporter);
    expect(sent.map((span) => span.name)).toEqual(
      expect.arrayContaining(["tools/list", "tools/call echo"]),
    );
    for (const span of sent) {
      // Not HTTP, so a stateful view would invent a session id: the modern era has none.
      expect(span.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
      expect(span.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2026-07-28");
    }
    // Its SERVER side agrees.
    for (const span of mcpSpans(exporter))
      expect(span.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
  });

  it("a modern envelope that is not what it should be: bounded, or ignored; the request still works", async () => {
    const { client, clientTransport } = await connectV2InMemory(buildV2Server());
    exporter.reset();
    const huge = "x".repeat(1_000_000);
    const answers: unknown[] = [];
    const onmessage = clientTransport.onmessage;
    clientTransport.onmessage = (message, extra) => {
      answers.push(message);
      onmessage?.(message, extra);
    };
    const envelopes = [
      {
        "io.modelcontextprotocol/protocolVersion": huge,
        "io.modelcontextprotocol/clientInfo": { name: huge, version: huge },
      },
      {
        "io.modelcontextprotocol/protocolVersion": 42,
        "io.modelcontextprotocol/clientInfo": "not an object",
      },
      { "io.modelcontextprotocol/clientInfo": { name: 7 } },
    ];
    for (const [i, meta] of envelopes.entries()) {
      await clientTransport.send({
        jsonrpc: "2.0",
        id: 950 + i,
        method: "tools/list",
        params: { _meta: meta },
      });
    }
    await waitFor(() => mcpSpans(exporter).length === 3, "three tools/list spans");
    expect(answers.map((m) => (m as { id?: unknown }).id)).toEqual([950, 951, 952]);
    const [first, second, third] = mcpSpans(exporter);
    expect(String(first?.attributes[ATTR_MCPCAT_CLIENT_NAME]).length).toBe(256);
    expect(String(first?.attributes[ATTR_MCP_PROTOCOL_VERSION]).length).toBe(256);
    // Not a revision: not the session-less era either.
    expect(first?.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
    // Neither of these names a client or a revision: the connection's own (from initialize) stand.
    for (const span of [second, third]) {
      expect(span?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("v2-client");
      expect(span?.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2025-11-25");
      expect(span?.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
    }
    await client.close();
  });

  it("a request the SDK drops unanswered (server-to-client on a modern connection) ends its span", async () => {
    const http = await handlerOverHttp();
    try {
      const client = await connectV2Http(http.url, "modern");
      exporter.reset();
      const onerror = new Promise<Error>((resolve) => {
        client.onerror = resolve;
      });
      // What the transport does when a request arrives: the SDK drops it, with no response.
      (client as unknown as { _onrequest(message: unknown, extra?: unknown): void })._onrequest({
        jsonrpc: "2.0",
        id: 77,
        method: "ping",
      });
      expect((await onerror).message).toContain("Dropped inbound request");
      const [span] = mcpSpans(exporter);
      expect(span?.name).toBe("ping");
      expect(span?.status).toMatchObject({ code: SpanStatusCode.ERROR });
      expect(span?.status.message).toContain("dropped");
      await client.close();
    } finally {
      await http.close();
    }
  });
});

describe("a client negotiating (auto) with a v2 server that serves only the legacy era", () => {
  it("the probe gets a SERVER span (-32601, no session, a trace of its own), then legacy with a session", async () => {
    const [a, b] = ClientInMemory.createLinkedPair();
    await buildV2Server().connect(b);
    const client = new Client(
      { name: "auto", version: "1" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(a);
    await client.listTools();
    const [probe, initialize, list] = mcpSpans(exporter);
    expect(probe?.name).toBe("server/discover");
    expect(probe?.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBe("-32601");
    expect(probe?.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    expect(probe?.parentSpanContext).toBeUndefined();
    // The probe goes straight to the transport: no CLIENT span for it.
    expect(clientSpans(exporter).map((s) => s.name)).toEqual(["initialize", "tools/list"]);
    expect(initialize?.name).toBe("initialize");
    expect(list?.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(list?.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2025-11-25");
    await client.close();
  });
});

describe("a caller that goes away mid-request", () => {
  it.each(["modern", "legacy"] as const)(
    "%s era over createMcpHandler: the SERVER span still ends",
    async (era) => {
      const http = await handlerOverHttp();
      try {
        const client = await connectV2Http(http.url, era);
        exporter.reset();
        const controller = new AbortController();
        const call = client.callTool(
          { name: "whoami", arguments: { caller: "gone", ms: 300 } },
          { signal: controller.signal },
        );
        setTimeout(() => controller.abort("caller left"), 30);
        await expect(call).rejects.toThrow();
        await waitFor(
          () => mcpSpans(exporter).some((s) => s.name === "tools/call whoami"),
          "the abandoned request's span",
          3000,
        );
        await client.close();
      } finally {
        await http.close();
      }
    },
  );
});

describe("requests the v2 server rejects", () => {
  it("inside the Protocol (unknown method): a SERVER span with the code, not an error of the server", async () => {
    const http = await handlerOverHttp();
    try {
      const client = await connectV2Http(http.url, "modern");
      exporter.reset();
      await expect(
        client.request({ method: "acme/unknown", params: {} }, z.object({})),
      ).rejects.toThrow();
      const [server] = mcpSpans(exporter);
      expect(server?.name).toBe("acme/unknown");
      expect(server?.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBe("-32601");
      expect(server?.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
      expect(server?.status.code).toBe(SpanStatusCode.UNSET);
      const [sent] = clientSpans(exporter);
      expect(sent?.attributes[ATTR_ERROR_TYPE]).toBe("-32601");
      await client.close();
    } finally {
      await http.close();
    }
  });

  it("by createMcpHandler before any server exists (unsupported revision): no SERVER span", async () => {
    const http = await handlerOverHttp();
    try {
      const response = await fetch(http.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2099-01-01",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/list",
          params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" } },
        }),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      await response.text();
      expect(mcpSpans(exporter)).toHaveLength(0);
    } finally {
      await http.close();
    }
  });
});

it("a client on a v2 in-memory pair with no server handler answering: cancelled span ends", async () => {
  const [a, b] = ClientInMemory.createLinkedPair();
  const server = buildV2Server();
  await server.connect(b);
  const client = new Client({ name: "c", version: "1" });
  await client.connect(a);
  exporter.reset();
  const controller = new AbortController();
  const call = client.callTool(
    { name: "whoami", arguments: { caller: "x", ms: 200 } },
    { signal: controller.signal },
  );
  setTimeout(() => controller.abort("stop"), 20);
  await expect(call).rejects.toThrow();
  await waitFor(() => mcpSpans(exporter).length === 1, "the cancelled SERVER span");
  expect(mcpSpans(exporter)[0]?.status.message).toContain("cancelled");
  await client.close();
});
