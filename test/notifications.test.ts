import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_ERROR_MESSAGE_LENGTH } from "../src/content.js";
import { isUnknownMethodSpan, spanToEvent } from "../src/exporter/span-to-event.js";
import { trackUnhandled } from "./helpers/exporter.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
  instrumentation.setConfig({});
  exporter.reset();
});

function notificationSpans(kind?: SpanKind): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter(
      (s) =>
        String(s.attributes["mcp.method.name"]).startsWith("notifications/") &&
        (kind === undefined || s.kind === kind),
    );
}

/** An in-memory connection whose server-to-client messages are recorded as sent. */
async function connect() {
  const server = buildServer();
  const connection = await connectInMemory(server);
  cleanups.push(() => connection.client.close());
  const sent: { method?: string; params?: { _meta?: Record<string, unknown> } }[] = [];
  const transport = connection.serverTransport;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(structuredClone(message) as (typeof sent)[number]);
    return send(message, options);
  };
  return { server, ...connection, sent };
}

describe("notifications as spans", () => {
  it("makes none by default", async () => {
    const { server, client } = await connect();
    await server.server.sendLoggingMessage({ level: "info", data: "hello" });
    await client.listTools();
    await waitFor(() => mcpSpans(exporter).length === 2, "initialize and tools/list");
    expect(notificationSpans()).toEqual([]);
  });

  it("with captureNotifications: a CLIENT span per notification sent, a SERVER span per one received", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    const { server, client, sent } = await connect();
    // The client sent notifications/initialized while connecting.
    await waitFor(
      () => notificationSpans().length === 2,
      "both sides of notifications/initialized",
    );
    const initialized = notificationSpans();
    expect(initialized.map((s) => [s.name, s.kind]).sort()).toEqual([
      ["notifications/initialized", SpanKind.SERVER],
      ["notifications/initialized", SpanKind.CLIENT],
    ]);
    for (const span of initialized) {
      expect(span.attributes["mcp.session.id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(span.attributes["jsonrpc.request.id"]).toBeUndefined();
    }
    // Its session id is the one of the request spans of the same connection.
    await client.listTools();
    const requests = () => mcpSpans(exporter).filter((s) => "jsonrpc.request.id" in s.attributes);
    await waitFor(() => requests().length === 2, "the request spans");
    const onServer = initialized.find((s) => s.kind === SpanKind.SERVER)!;
    expect(onServer.attributes["mcp.session.id"]).toBe(requests()[0]!.attributes["mcp.session.id"]);
    expect(onServer.attributes["mcpcat.server.name"]).toBe("test-server");

    exporter.reset();
    const params = { level: "info" as const, data: "hello" };
    await server.server.sendLoggingMessage(params);
    await waitFor(() => notificationSpans().length === 2, "both sides of notifications/message");
    const out = notificationSpans(SpanKind.CLIENT)[0]!;
    const received = notificationSpans(SpanKind.SERVER)[0]!;
    expect(out.name).toBe("notifications/message");
    // The context went in _meta on the wire, and made the receiver's span a child.
    const wire = sent.find((m) => m.method === "notifications/message")!;
    const { traceId, spanId } = out.spanContext();
    expect(wire.params?._meta?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(received.parentSpanContext?.spanId).toBe(spanId);
    // The caller's object is untouched.
    expect(params).toEqual({ level: "info", data: "hello" });
  });

  it("adds no params to a notification that had none (the SDK debounces those)", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    const { server, sent } = await connect();
    server.server.sendToolListChanged();
    await waitFor(
      () => notificationSpans(SpanKind.CLIENT).some((s) => s.name.endsWith("list_changed")),
      "the list_changed span",
    );
    const wire = sent.find((m) => m.method === "notifications/tools/list_changed");
    expect(wire).toBeDefined();
    expect(wire?.params).toBeUndefined();
  });

  it("a notification span makes no MCPCat event and is not counted as an unknown method", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    await connect();
    await waitFor(() => notificationSpans(SpanKind.SERVER).length === 1, "the received span");
    const span = notificationSpans(SpanKind.SERVER)[0]!;
    expect(spanToEvent(span, { projectId: "p" })).toBeNull();
    expect(isUnknownMethodSpan(span)).toBe(false);
  });
});

describe("a notification that cannot be sent", () => {
  it("a rejection String() cannot show (a null-prototype object) still ends its span, and rejects nothing of ours", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    const unhandled = trackUnhandled();
    try {
      const { server, serverTransport } = await connect();
      const send = serverTransport.send.bind(serverTransport);
      serverTransport.send = (message, options) =>
        "id" in message ? send(message, options) : Promise.reject(Object.create(null));
      await expect(
        server.server.sendLoggingMessage({ level: "info", data: "hello" }),
      ).rejects.toBeDefined();
      await waitFor(
        () => notificationSpans(SpanKind.CLIENT).some((s) => s.name === "notifications/message"),
        "the notifications/message span",
      );
      const span = notificationSpans(SpanKind.CLIENT).find(
        (s) => s.name === "notifications/message",
      );
      expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled.seen).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });

  it("its span's status message is redacted and bounded (the server's error body is in it)", async () => {
    instrumentation.setConfig({
      captureNotifications: true,
      redact: (text) => text.replaceAll("sk-secret", "[redacted]"),
    });
    // A server that answers initialize, then fails every notification with a huge error body.
    const http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const message = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        if (message.method !== "initialize") {
          res.writeHead(500).end(`token sk-secret ${"x".repeat(200_000)}`);
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: message.id,
            result: {
              protocolVersion: "2025-06-18",
              capabilities: {},
              serverInfo: { name: "failing", version: "1" },
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const { port } = http.address() as AddressInfo;
    const client = new Client({ name: "c", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
    await expect(client.connect(transport)).rejects.toThrow(/sk-secret/);
    await waitFor(
      () => notificationSpans(SpanKind.CLIENT).length === 1,
      "the notifications/initialized span",
    );
    const [span] = notificationSpans(SpanKind.CLIENT);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    const message = span!.status.message ?? "";
    expect(message).not.toContain("sk-secret");
    expect(message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
  });
});
