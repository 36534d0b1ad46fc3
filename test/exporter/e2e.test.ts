/*
 * End to end: a real MCP server and real clients over Streamable HTTP, McpInstrumentation, a
 * BatchSpanProcessor and MCPCatExporter pointed at a loopback MCPCat API stand-in that checks
 * every body. Each MCP SERVER span must become exactly one event with the id derived from it.
 */
import { context, propagation, SpanKind } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { McpRequestExtra } from "../../src/config.js";
import { eventId } from "../../src/exporter/event-id.js";
import { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import { McpInstrumentation } from "../../src/instrumentation.js";
import { trackUnhandled } from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { httpClient, statefulServer, statelessServer } from "../helpers/http.js";
import { buildServer, connectInMemory, serverWithWhoami } from "../helpers/servers.js";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const instrumentation = new McpInstrumentation();
afterAll(() => instrumentation.disable());

let api: FakeMcpcatApi;
let memory: InMemorySpanExporter;
let exporter: MCPCatExporter;
let provider: TracerProvider;
let unhandled: ReturnType<typeof trackUnhandled>;
const cleanups: (() => Promise<void>)[] = [];

/** A provider with both an in-memory copy of every span and the MCPCat pipeline under test. */
async function pipeline(options: ConstructorParameters<typeof MCPCatExporter>[0] = {}) {
  exporter = new MCPCatExporter({ projectId: "proj_e2e", apiBaseUrl: api.url, ...options });
  memory = new InMemorySpanExporter();
  provider = new TracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: memory }),
      new BatchSpanProcessor({ exporter, scheduledDelayMillis: 20 }),
    ],
  });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
}

beforeEach(async () => {
  api = await new FakeMcpcatApi().start();
  unhandled = trackUnhandled();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await provider.shutdown();
  instrumentation.setConfig({});
  await api.close();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(api.violations).toEqual([]);
});

/** Users are named in a request header, as a real server would read them from a token. */
const identities = new Map<string, string>();
function identify(_request: unknown, extra: McpRequestExtra) {
  const header = extra.requestInfo?.headers["x-user-id"];
  const user = (extra.sessionId && identities.get(extra.sessionId)) || header;
  return typeof user === "string"
    ? { userId: user, userName: `name of ${user}`, userData: { u: user } }
    : null;
}

async function flushAll(): Promise<void> {
  await provider.forceFlush();
  await exporter.forceFlush();
}

/** Every MCP SERVER span and identify span became exactly one accepted event, with its id. */
function expectOneEventPerSpan(): ReadableSpan[] {
  const spans = memory
    .getFinishedSpans()
    .filter(
      (s) =>
        (s.kind === SpanKind.SERVER && "mcp.method.name" in s.attributes) ||
        s.name === "mcpcat:identify",
    );
  const ids = spans.map((s) => {
    const { traceId, spanId } = s.spanContext();
    return eventId(traceId, spanId, s.startTime[0] * 1000 + s.startTime[1] / 1e6);
  });
  expect(new Set(api.accepted.keys())).toEqual(new Set(ids));
  expect(api.requests.length).toBe(ids.length);
  return spans;
}

describe.each(["agentcat", "mcpcat"] as const)(
  "MCPCatExporter end to end, %s vocabulary (API stand-in validating with its model)",
  (vocabulary) => {
    const identifyType = `${vocabulary}:identify`;
    beforeEach(async () => {
      await api.close();
      api = await new FakeMcpcatApi(vocabulary).start();
    });

    it("stateless: every event has sessionId null and its own caller's identity", async () => {
      await pipeline({ vocabulary });
      expect(exporter.apiVocabulary).toBe(vocabulary);
      instrumentation.setConfig({ identify, captureContent: true });
      const http = await statelessServer(serverWithWhoami);
      cleanups.push(http.close);
      const users = ["ann", "ben", "cat", "dan", "eve"];
      const clients = await Promise.all(users.map((u) => httpClient(http.url, { "x-user-id": u })));
      cleanups.push(
        async () => void (await Promise.all(clients.map(({ client }) => client.close()))),
      );

      const calls = Array.from({ length: 100 }, (_, i) => {
        const user = users[i % users.length]!;
        return clients[i % users.length]!.client.callTool({
          name: "whoami",
          arguments: { caller: user, ms: (i * 7) % 11 },
        });
      });
      const results = await Promise.all(calls);
      for (const [i, r] of results.entries()) {
        expect(r.content).toEqual([{ type: "text", text: users[i % users.length] }]);
      }
      await flushAll();

      expectOneEventPerSpan();
      const events = api.events;
      // On the wire: session_id null ("null for stateless mode"), which agentcat-api decodes as undefined.
      expect(api.requests.every(({ body }) => body.session_id === null)).toBe(true);
      expect(events.every((e) => e.sessionId == null)).toBe(true);
      expect(events.some((e) => String(e.eventType).endsWith(":identify"))).toBe(false);
      for (const { body } of api.requests)
        expect(typeof body[`${vocabulary}_version`]).toBe("string");
      const toolEvents = events.filter((e) => e.eventType === "mcp:tools/call");
      expect(toolEvents).toHaveLength(100);
      for (const e of toolEvents) {
        const caller = (e.parameters as { request: { params: { arguments: { caller: string } } } })
          .request.params.arguments.caller;
        expect(e.identifyActorGivenId).toBe(caller);
        expect(e.identifyActorName).toBe(`name of ${caller}`);
        expect(e.identifyData).toEqual({ u: caller });
        expect(e.response).toEqual({ content: [{ type: "text", text: caller }] });
        expect(e.resourceName).toBe("whoami");
        expect(e.projectId).toBe("proj_e2e");
      }
    });

    it("stateful: one session id per session and one identify event per change", async () => {
      await pipeline({ vocabulary });
      instrumentation.setConfig({ identify, sessionIdExport: "raw" });
      const http = await statefulServer(serverWithWhoami);
      cleanups.push(http.close);
      const a = await httpClient(http.url, { "x-user-id": "alice" });
      const b = await httpClient(http.url, { "x-user-id": "bob" });
      cleanups.push(async () => {
        await a.client.close();
        await b.client.close();
      });
      const call = (c: typeof a, caller: string) =>
        c.client.callTool({ name: "whoami", arguments: { caller, ms: 1 } });
      await Promise.all([call(a, "alice"), call(b, "bob"), call(a, "alice"), call(b, "bob")]);
      // Alice's session changes hands: exactly one more identify event, for that session only.
      identities.set(a.transport.sessionId!, "alice-2");
      await call(a, "alice-2");
      await call(a, "alice-2");
      await call(b, "bob");
      await flushAll();

      expectOneEventPerSpan();
      const events = api.events;
      const sa = a.transport.sessionId!;
      const sb = b.transport.sessionId!;
      expect(sa).not.toBe(sb);
      expect(new Set(events.map((e) => e.sessionId))).toEqual(new Set([sa, sb]));
      const identifies = events
        .filter((e) => e.eventType === identifyType)
        .sort((x, y) => x.timestamp!.getTime() - y.timestamp!.getTime());
      expect(identifies.map((e) => [e.sessionId, e.identifyActorGivenId])).toEqual(
        expect.arrayContaining([
          [sa, "alice"],
          [sb, "bob"],
          [sa, "alice-2"],
        ]),
      );
      expect(identifies).toHaveLength(3);
      for (const e of events.filter((e) => e.eventType === "mcp:tools/call")) {
        expect(e.sessionId === sa ? ["alice", "alice-2"] : ["bob"]).toContain(
          e.identifyActorGivenId,
        );
        expect(e.clientName).toBe("http-client");
        expect(e.serverName).toBe("test-server");
      }
      expect(events.filter((e) => e.eventType === "mcp:initialize")).toHaveLength(2);
    });
  },
);

describe("MCPCatExporter end to end", () => {
  it("maps every kind of request the test server handles, errors included", async () => {
    await pipeline();
    instrumentation.setConfig({ captureContent: true });
    const http = await statefulServer(buildServer);
    cleanups.push(http.close);
    const { client } = await httpClient(http.url);
    cleanups.push(() => client.close());
    await client.ping();
    await client.listTools();
    await client.callTool({ name: "echo", arguments: { text: "hi", context: "to test intent" } });
    await client.callTool({ name: "soft-fail", arguments: {} });
    await client.callTool({ name: "boom", arguments: {} });
    await client.listResources();
    await client.listResourceTemplates();
    await client.readResource({ uri: "file:///readme.md" });
    await client.listPrompts();
    await client.getPrompt({ name: "greet", arguments: { who: "you" } });
    await client.complete({
      ref: { type: "ref/resource", uri: "users://{id}" },
      argument: { name: "id", value: "a" },
    });
    await client.setLoggingLevel("info");
    await expect(client.readResource({ uri: "file:///missing" })).rejects.toThrow();
    await flushAll();

    expectOneEventPerSpan();
    const byType = (t: string) => api.events.filter((e) => e.eventType === t);
    for (const t of [
      "mcp:initialize",
      "mcp:ping",
      "mcp:tools/list",
      "mcp:resources/list",
      "mcp:resources/templates/list",
      "mcp:prompts/list",
      "mcp:completion/complete",
      "mcp:logging/setLevel",
    ]) {
      expect(byType(t), t).toHaveLength(1);
    }
    const tools = byType("mcp:tools/call");
    const echo = tools.find((e) => e.resourceName === "echo")!;
    expect(echo.userIntent).toBe("to test intent");
    expect(echo.isError).toBeUndefined();
    const soft = tools.find((e) => e.resourceName === "soft-fail")!;
    expect(soft.isError).toBe(true);
    expect(soft.error).toMatchObject({ type: "tool_error", platform: "javascript" });
    expect((soft.error as { message: string }).message).toContain("quota exceeded");
    const boom = tools.find((e) => e.resourceName === "boom")!;
    expect(boom.isError).toBe(true);
    expect((boom.error as { message: string }).message).toContain("tool exploded");
    const reads = byType("mcp:resources/read");
    expect(reads.map((e) => e.resourceName).sort()).toEqual([
      "file:///missing",
      "file:///readme.md",
    ]);
    expect(reads.find((e) => e.resourceName === "file:///missing")?.isError).toBe(true);
    const prompt = byType("mcp:prompts/get")[0]!;
    expect(prompt.resourceName).toBe("greet");
    expect(prompt.parameters).toEqual({
      request: { method: "prompts/get", params: { name: "greet", arguments: { who: "you" } } },
    });
  });

  it("a broken MCPCat API never fails nor slows MCP requests, and shutdown still resolves", async () => {
    /** 300 tool calls; returns the time they took. Every call must succeed. */
    async function callsTake(
      script: FakeMcpcatApi["script"],
      { apiBaseUrl = api.url, shutdownTimeoutMillis = 300, timeoutMillis = 200 } = {},
    ): Promise<number> {
      api.script = script;
      await pipeline({ apiBaseUrl, timeoutMillis, shutdownTimeoutMillis, ...fastRetry });
      instrumentation.setConfig({ identify: () => ({ userId: "u" }), captureContent: true });
      const { client } = await connectInMemory(buildServer());
      const started = performance.now();
      for (let i = 0; i < 300; i++) {
        const result = await client.callTool({ name: "echo", arguments: { text: `m${i}` } });
        expect(result.content).toEqual([{ type: "text", text: `m${i}` }]);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const took = performance.now() - started;
      await client.close();
      const shutdownStarted = performance.now();
      await expect(provider.shutdown()).resolves.toBeUndefined();
      expect(performance.now() - shutdownStarted).toBeLessThan(shutdownTimeoutMillis + 1700);
      return took;
    }
    const fastRetry = { initialBackoffMillis: 20, maxBackoffMillis: 200 };
    // Generous limits when healthy: a loaded machine must not turn slowness into a retry.
    const healthyRun = () =>
      callsTake(() => ({ status: 202 }), { shutdownTimeoutMillis: 20_000, timeoutMillis: 10_000 });
    await healthyRun(); // warm-up: JIT and first connections
    api.accepted.clear();
    const healthy = await healthyRun();
    expect(api.accepted.size).toBe(302); // initialize, agentcat:identify, 300 tools/call
    const broken = {
      hang: await callsTake(() => "hang"),
      "500": await callsTake(() => ({ status: 500 })),
      "429": await callsTake(() => ({ status: 429, headers: { "retry-after": "30" } })),
      refused: await callsTake(() => ({ status: 202 }), { apiBaseUrl: "http://127.0.0.1:1" }),
    };
    console.info(
      `300 calls: healthy ${healthy.toFixed(0)} ms, broken API ${JSON.stringify(broken)}`,
    );
    for (const [fault, took] of Object.entries(broken)) {
      expect(took, fault).toBeLessThan(healthy * 3 + 250);
    }
  }, 60_000);
});
