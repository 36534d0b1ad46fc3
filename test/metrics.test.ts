import { createNoopMeter, SpanKind } from "@opentelemetry/api";
import type { HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { McpMetrics } from "../src/metrics.js";
import { MCP_DURATION_BUCKETS } from "../src/semconv.js";
import { httpClient, statefulServer, statelessServer } from "./helpers/http.js";
import { countOf, freshMetrics } from "./helpers/metrics.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
  instrumentation.setConfig({});
  exporter.reset();
});

const SERVER_OP = "mcp.server.operation.duration";
const CLIENT_OP = "mcp.client.operation.duration";
const SERVER_SESSION = "mcp.server.session.duration";
const CLIENT_SESSION = "mcp.client.session.duration";

/** Every attribute key a metric point may carry: the conventions' low-cardinality ones. */
const ALLOWED = new Set([
  "mcp.method.name",
  "gen_ai.tool.name",
  "gen_ai.prompt.name",
  "gen_ai.operation.name",
  "mcp.protocol.version",
  "network.transport",
  "network.protocol.name",
  "server.address",
  "server.port",
  "error.type",
  "rpc.response.status_code",
]);

/** Unit, buckets and attribute keys of every point: the checks common to all four histograms. */
function expectWellFormed(metric: HistogramMetricData | undefined): void {
  expect(metric).toBeDefined();
  expect(metric?.descriptor.unit).toBe("s");
  for (const point of metric?.dataPoints ?? []) {
    expect(point.value.buckets.boundaries).toEqual(MCP_DURATION_BUCKETS);
    for (const key of Object.keys(point.attributes)) expect(ALLOWED).toContain(key);
    expect(point.value.min).toBeGreaterThanOrEqual(0);
    expect(point.value.max).toBeLessThan(60);
  }
}

/** The points of `metric` whose attributes include `match`. */
function pointsWith(metric: HistogramMetricData | undefined, match: Record<string, unknown>) {
  return (metric?.dataPoints ?? []).filter((point) =>
    Object.entries(match).every(([key, value]) => point.attributes[key] === value),
  );
}

/** A mix of requests: successes, a tool error, a thrown tool, a prompt, a resource, a -32601. */
async function exercise(client: Awaited<ReturnType<typeof connectInMemory>>["client"]) {
  await client.listTools();
  await client.callTool({ name: "echo", arguments: { text: "hi" } });
  await client.callTool({ name: "soft-fail", arguments: {} });
  await client.callTool({ name: "boom", arguments: {} });
  await client.getPrompt({ name: "greet", arguments: { who: "ada" } });
  await client.readResource({ uri: "file:///readme.md" });
  await client.request({ method: "nope/x" }, z.object({})).catch(() => {});
}

describe("operation durations, in memory", () => {
  it("one measurement per request on each side, unit s, the conventions' buckets", async () => {
    const metrics = freshMetrics(instrumentation);
    // identify and tags put high-cardinality attributes on the spans: none may reach a metric.
    instrumentation.setConfig({
      identify: () => ({ userId: "user-42", userName: "Ada" }),
      eventTags: () => ({ tenant: "t-1" }),
    });
    const { client } = await connectInMemory(buildServer());
    cleanups.push(() => client.close());
    await exercise(client);
    await waitFor(() => mcpSpans(exporter).length === 8, "8 SERVER spans");
    await waitFor(() => clientSpans(exporter).length === 8, "8 CLIENT spans");

    const server = await metrics.histogram(SERVER_OP);
    const sent = await metrics.histogram(CLIENT_OP);
    expectWellFormed(server);
    expectWellFormed(sent);
    expect(countOf(server)).toBe(mcpSpans(exporter).length);
    expect(countOf(sent)).toBe(clientSpans(exporter).length);

    // Dimensions: method and tool name; error.type on the failures only.
    const echoes = pointsWith(server, { "gen_ai.tool.name": "echo" });
    expect(echoes.map((p) => p.value.count)).toEqual([1]);
    const echo = echoes[0]!;
    expect(echo.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.operation.name": "execute_tool",
      "mcp.protocol.version": "2025-11-25",
    });
    expect(echo.attributes["error.type"]).toBeUndefined();
    for (const tool of ["soft-fail", "boom"]) {
      for (const side of [server, sent]) {
        const [point] = pointsWith(side, { "gen_ai.tool.name": tool });
        expect(point?.attributes["error.type"]).toBe("tool_error");
      }
    }
    expect(pointsWith(server, { "gen_ai.prompt.name": "greet" })).toHaveLength(1);
    // -32601 is the client's fault: no error.type on the server, an error to the client. On
    // the server, a method outside the specification is `_OTHER` (the caller chose it).
    expect(pointsWith(server, { "mcp.method.name": "nope/x" })).toEqual([]);
    const [unknownOnServer] = pointsWith(server, { "mcp.method.name": "_OTHER" });
    expect(unknownOnServer?.attributes["rpc.response.status_code"]).toBe("-32601");
    expect(unknownOnServer?.attributes["error.type"]).toBeUndefined();
    const [unknownOnClient] = pointsWith(sent, { "mcp.method.name": "nope/x" });
    expect(unknownOnClient?.attributes["error.type"]).toBe("-32601");
    // What the spans carry and a metric must not: ids, users, tags, resource URIs.
    const everyKey = [...(server?.dataPoints ?? []), ...(sent?.dataPoints ?? [])].flatMap((p) =>
      Object.keys(p.attributes),
    );
    for (const key of ["mcp.session.id", "jsonrpc.request.id", "user.id", "mcp.resource.uri"]) {
      expect(everyKey).not.toContain(key);
    }
    expect(mcpSpans(exporter)[1]?.attributes["user.id"]).toBe("user-42");
  });

  it.each([
    ["a sync redact", (text: string) => text.replace("greet", "gr**t")],
    ["an async redact", async (text: string) => text.replace("greet", "gr**t")],
  ])(
    "with %s: the tool or prompt name on the metric, redacted as on the span",
    async (_, redact) => {
      const metrics = freshMetrics(instrumentation);
      instrumentation.setConfig({ redact });
      const { client } = await connectInMemory(buildServer());
      cleanups.push(() => client.close());
      await client.callTool({ name: "echo", arguments: { text: "hi" } });
      await client.getPrompt({ name: "greet", arguments: { who: "ada" } });
      await waitFor(() => mcpSpans(exporter).length === 3, "3 SERVER spans");
      await waitFor(() => clientSpans(exporter).length === 3, "3 CLIENT spans");
      for (const name of [SERVER_OP, CLIENT_OP]) {
        const side = await metrics.histogram(name);
        expect(pointsWith(side, { "gen_ai.tool.name": "echo" })).toHaveLength(1);
        expect(pointsWith(side, { "gen_ai.prompt.name": "gr**t" })).toHaveLength(1);
        expect(pointsWith(side, { "gen_ai.prompt.name": "greet" })).toHaveLength(0);
      }
    },
  );

  it("a slow handler lands in its bucket: the measurement is the handler's duration", async () => {
    const metrics = freshMetrics(instrumentation);
    const { client } = await connectInMemory(buildServer());
    cleanups.push(() => client.close());
    await client.callTool({ name: "sleep", arguments: { ms: 60 } });
    const server = await metrics.histogram(SERVER_OP);
    const [point] = pointsWith(server, { "gen_ai.tool.name": "sleep" });
    expect(point?.value.count).toBe(1);
    expect(point?.value.sum).toBeGreaterThanOrEqual(0.055);
    expect(point?.value.sum).toBeLessThan(1);
    // 0.05 < d <= 0.1: the fourth bucket.
    expect(point?.value.buckets.counts[3]).toBe(1);
  });

  it("a cancelled request is measured once on each side, with the span's error.type", async () => {
    const metrics = freshMetrics(instrumentation);
    const { client } = await connectInMemory(buildServer());
    cleanups.push(() => client.close());
    const controller = new AbortController();
    const call = client.callTool({ name: "sleep", arguments: { ms: 300 } }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toThrow();
    await waitFor(() => mcpSpans(exporter).length === 2, "the cancelled SERVER span");
    await waitFor(() => clientSpans(exporter).length === 2, "the failed CLIENT span");
    // The server's span got no response to record: `cancelled`. The client's has the SDK's
    // error; the metric carries what the span carries.
    const clientErrorType = clientSpans(exporter)[1]?.attributes["error.type"];
    expect(clientErrorType).toBeDefined();
    for (const [name, errorType] of [
      [SERVER_OP, "cancelled"],
      [CLIENT_OP, clientErrorType],
    ] as const) {
      const points = pointsWith(await metrics.histogram(name), { "gen_ai.tool.name": "sleep" });
      expect(points.map((p) => [p.value.count, p.attributes["error.type"]])).toEqual([
        [1, errorType],
      ]);
    }
  });

  it("follows setMeterProvider: a replaced provider gets nothing more", async () => {
    const first = freshMetrics(instrumentation);
    const { client } = await connectInMemory(buildServer());
    cleanups.push(() => client.close());
    await client.listTools();
    const second = freshMetrics(instrumentation);
    await client.listTools();
    await client.listTools();
    expect(countOf(await first.histogram(SERVER_OP))).toBe(2); // initialize + tools/list
    expect(countOf(await second.histogram(SERVER_OP))).toBe(2);
  });

  it("without a MeterProvider the histograms are the API's no-ops and nothing is measured", () => {
    const metrics = new McpMetrics(createNoopMeter());
    expect(metrics.measuresOperations).toBe(false);
    // Recording on no-ops is harmless.
    metrics.recordOperation(
      SpanKind.SERVER,
      {},
      { errorType: undefined, statusCode: undefined },
      1,
    );
    metrics.recordSession(
      SpanKind.CLIENT,
      { protocolVersion: undefined, networkTransport: undefined, isHttp: false },
      1,
    );
  });
});

describe("session durations", () => {
  it("in memory: one per ended session on each side, none before the close", async () => {
    const metrics = freshMetrics(instrumentation);
    const { client } = await connectInMemory(buildServer());
    await client.listTools();
    expect(await metrics.histogram(SERVER_SESSION)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    const server = await metrics.histogram(SERVER_SESSION);
    const sent = await metrics.histogram(CLIENT_SESSION);
    expectWellFormed(server);
    expectWellFormed(sent);
    expect(countOf(server)).toBe(1);
    expect(countOf(sent)).toBe(1);
    expect(server?.dataPoints[0]?.value.sum).toBeGreaterThanOrEqual(0.015);
    expect(server?.dataPoints[0]?.attributes).toEqual({ "mcp.protocol.version": "2025-11-25" });
  });

  it("stateful HTTP: the session ends when the client terminates it; operations counted", async () => {
    const metrics = freshMetrics(instrumentation);
    const http = await statefulServer(buildServer);
    cleanups.push(http.close);
    const { client, transport } = await httpClient(http.url);
    await client.listTools();
    await client.callTool({ name: "soft-fail", arguments: {} });
    await waitFor(() => mcpSpans(exporter).length === 3, "3 SERVER spans");
    await transport.terminateSession();
    await client.close();
    const server = await metrics.histogram(SERVER_OP);
    expectWellFormed(server);
    expect(countOf(server)).toBe(3);
    expect(pointsWith(server, { "gen_ai.tool.name": "soft-fail" })[0]?.attributes).toMatchObject({
      "error.type": "tool_error",
      "network.transport": "tcp",
      "network.protocol.name": "http",
    });
    const sent = await metrics.histogram(CLIENT_OP);
    // terminateSession's DELETE is not an MCP request: initialize, tools/list, tools/call.
    expect(countOf(sent)).toBe(3);
    for (const point of sent?.dataPoints ?? []) {
      expect(point.attributes["server.address"]).toBe("127.0.0.1");
      expect(point.attributes["server.port"]).toBe(Number(http.url.port));
    }
    // The server closes its transport when the DELETE arrives, which the client does not await.
    let serverSession = await metrics.histogram(SERVER_SESSION);
    for (let i = 0; i < 200 && countOf(serverSession) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      serverSession = await metrics.histogram(SERVER_SESSION);
    }
    expect(countOf(serverSession)).toBe(1);
    expectWellFormed(serverSession);
    const clientSession = await metrics.histogram(CLIENT_SESSION);
    expect(countOf(clientSession)).toBe(1);
    expect(clientSession?.dataPoints[0]?.attributes).toMatchObject({
      "server.address": "127.0.0.1",
      "network.transport": "tcp",
    });
  });

  it("stateless HTTP: operations measured, no session duration on either side", async () => {
    const metrics = freshMetrics(instrumentation);
    const http = await statelessServer(buildServer);
    cleanups.push(http.close);
    const { client } = await httpClient(http.url);
    await client.callTool({ name: "echo", arguments: { text: "a" } });
    await client.callTool({ name: "boom", arguments: {} });
    await waitFor(() => mcpSpans(exporter).length === 3, "3 SERVER spans");
    await client.close();
    // Each stateless request's transport closes after its response.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const server = await metrics.histogram(SERVER_OP);
    expectWellFormed(server);
    expect(countOf(server)).toBe(3);
    expect(pointsWith(server, { "gen_ai.tool.name": "boom" })[0]?.attributes["error.type"]).toBe(
      "tool_error",
    );
    expect(countOf(await metrics.histogram(CLIENT_OP))).toBe(3);
    expect(await metrics.histogram(SERVER_SESSION)).toBeUndefined();
    expect(await metrics.histogram(CLIENT_SESSION)).toBeUndefined();
  });
});
