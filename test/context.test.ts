import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, provider } = setupTracing();
let connection: Awaited<ReturnType<typeof connectInMemory>>;
let sleepStarted: () => void = () => {};

beforeAll(async () => {
  const server = buildServer();
  // A handler that makes its own span, as an HTTP or database instrumentation would.
  server.registerTool("query", { inputSchema: { sql: z.string() } }, async ({ sql }) => {
    const span = trace.getTracer("db").startSpan("SELECT");
    span.setAttribute("db.query.text", sql);
    span.end();
    return { content: [{ type: "text", text: "rows" }] };
  });
  server.registerTool("stall", { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    sleepStarted();
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      extra.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    return { content: [] };
  });
  connection = await connectInMemory(server);
});
afterAll(() => connection.client.close());
beforeEach(() => exporter.reset());

describe("context", () => {
  it("the request span is active while the handler runs: handler spans are its children", async () => {
    await connection.client.callTool({ name: "query", arguments: { sql: "select 1" } });
    const request = mcpSpans(exporter)[0]!;
    const child = exporter.getFinishedSpans().find((span) => span.name === "SELECT")!;
    expect(child.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it("a traceparent in params._meta becomes the parent; the ambient span becomes a link", async () => {
    const caller = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
    const ambient = provider.getTracer("test").startSpan("ambient");
    await context.with(trace.setSpan(context.active(), ambient), () =>
      connection.client.callTool({
        name: "query",
        arguments: { sql: "x" },
        _meta: { traceparent: `00-${caller.traceId}-${caller.spanId}-01`, tracestate: "vendor=1" },
      }),
    );
    ambient.end();
    const request = mcpSpans(exporter)[0]!;
    expect(request.spanContext().traceId).toBe(caller.traceId);
    expect(request.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(request.parentSpanContext?.traceState?.get("vendor")).toBe("1");
    // In-memory, the context active when the request arrives is the sending CLIENT span's.
    const sent = clientSpans(exporter)[0]!;
    expect(sent.parentSpanContext?.spanId).toBe(ambient.spanContext().spanId);
    expect(request.links.map((link) => link.context.spanId)).toEqual([sent.spanContext().spanId]);
  });

  it("a malformed traceparent the caller put in _meta is kept, and ignored by the server", async () => {
    const ambient = provider.getTracer("test").startSpan("ambient");
    await context.with(trace.setSpan(context.active(), ambient), () =>
      connection.client.callTool({
        name: "query",
        arguments: { sql: "x" },
        _meta: { traceparent: "00-zzzz-not-a-trace", other: 5 },
      }),
    );
    ambient.end();
    const request = mcpSpans(exporter)[0]!;
    const sent = clientSpans(exporter)[0]!;
    expect(request.parentSpanContext?.spanId).toBe(sent.spanContext().spanId); // the ambient one
    expect(request.links).toEqual([]);
  });
});

describe("requests that get no response", () => {
  it("a request the client cancels (timeout) ends its span as an error, not never", async () => {
    await expect(
      connection.client.callTool({ name: "stall", arguments: { ms: 5000 } }, undefined, {
        timeout: 50,
      }),
    ).rejects.toThrow(/timed out/i);
    await waitFor(() => mcpSpans(exporter).length === 1, "the cancelled request's span");
    const span = mcpSpans(exporter)[0]!;
    expect(span.name).toBe("tools/call stall");
    expect(span.attributes["error.type"]).toBe("cancelled");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/cancelled/);
  });

  it("a connection that closes mid-request ends the pending span", async () => {
    const other = await connectInMemory(buildServer());
    const started = new Promise<void>((resolve) => {
      sleepStarted = resolve;
    });
    const server = buildServer();
    server.registerTool("hang", {}, async (extra) => {
      sleepStarted();
      await new Promise((resolve) => extra.signal.addEventListener("abort", resolve));
      return { content: [] };
    });
    const hanging = await connectInMemory(server);
    exporter.reset();
    const call = hanging.client.callTool({ name: "hang", arguments: {} }).catch((error) => error);
    await started;
    await hanging.serverTransport.close();
    expect(await call).toBeInstanceOf(Error);
    await waitFor(() => mcpSpans(exporter).length === 1, "the abandoned request's span");
    expect(mcpSpans(exporter)[0]!.status.code).toBe(SpanStatusCode.ERROR);
    await other.client.close();
  });
});
