import { SpanKind } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { McpRequestExtra } from "../src/index.js";
import { httpClient, statefulServer, statelessServer } from "./helpers/http.js";
import { serverWithWhoami } from "./helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, spansNamed, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  instrumentation.setConfig({});
  exporter.reset();
});

/** The caller named in a request header: what a real server would read from a token. */
function identifyFromHeader(_request: unknown, extra: McpRequestExtra) {
  const user = extra.requestInfo?.headers["x-user-id"];
  return typeof user === "string" ? { userId: user, userName: `name of ${user}` } : null;
}

describe("Streamable HTTP, stateful", () => {
  it("mcp.session.id is the Mcp-Session-Id on every span; one identify span per session", async () => {
    instrumentation.setConfig({ identify: identifyFromHeader, sessionIdExport: "raw" });
    const http = await statefulServer(serverWithWhoami);
    cleanups.push(http.close);
    const { client, transport } = await httpClient(http.url, { "x-user-id": "alice" });
    cleanups.push(() => client.close());
    await client.listTools();
    await client.callTool({ name: "whoami", arguments: { caller: "alice", ms: 1 } });
    await client.callTool({ name: "whoami", arguments: { caller: "alice", ms: 1 } });

    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => mcpSpans(exporter).length === 4, "4 request spans");
    const spans = mcpSpans(exporter);
    expect(spans.map((s) => s.name)).toEqual([
      "initialize",
      "tools/list",
      "tools/call whoami",
      "tools/call whoami",
    ]);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.attributes).toMatchObject({
        "mcp.session.id": sessionId,
        "network.transport": "tcp",
        "network.protocol.name": "http",
        "mcpcat.client.name": "http-client",
        "mcpcat.client.version": "2.0.0",
        "user.id": "alice",
      });
    }
    // After initialize, the protocol version comes from the connection (and the header).
    expect(spans[2]?.attributes["mcp.protocol.version"]).toBe("2025-11-25");
    const identifies = spansNamed(exporter, "mcpcat:identify");
    expect(identifies).toHaveLength(1);
    expect(identifies[0]?.attributes["mcp.session.id"]).toBe(sessionId);
    // The client's spans: the session id once the server has given one (after initialize).
    const sent = clientSpans(exporter);
    expect(sent.map((s) => s.attributes["mcp.session.id"])).toEqual([
      undefined,
      sessionId,
      sessionId,
      sessionId,
    ]);
    expect(sent.every((s) => s.attributes["network.transport"] === "tcp")).toBe(true);
    // CLIENT spans over HTTP name the server they send to; SERVER spans do not.
    for (const span of sent) {
      expect(span.attributes["server.address"]).toBe("127.0.0.1");
      expect(span.attributes["server.port"]).toBe(Number(http.url.port));
    }
    expect(spans.some((s) => "server.address" in s.attributes)).toBe(false);
  });
});

describe("Streamable HTTP, stateless", () => {
  it("no mcp.session.id on any span, no identify spans, client info per request", async () => {
    instrumentation.setConfig({ identify: identifyFromHeader });
    const http = await statelessServer(serverWithWhoami);
    cleanups.push(http.close);
    const { client } = await httpClient(http.url, {
      "x-user-id": "carol",
      "x-mcp-client-name": "carol-agent",
      "x-mcp-client-version": "7.0",
    });
    cleanups.push(() => client.close());
    await client.callTool({ name: "whoami", arguments: { caller: "carol", ms: 1 } });
    await waitFor(() => mcpSpans(exporter).length === 2, "initialize and tools/call");
    const spans = mcpSpans(exporter);
    for (const span of spans) {
      expect(span.attributes["mcp.session.id"]).toBeUndefined();
      expect(span.attributes["user.id"]).toBe("carol");
      expect(span.attributes["network.transport"]).toBe("tcp");
    }
    expect(spans[1]?.attributes).toMatchObject({
      "mcpcat.client.name": "carol-agent",
      "mcpcat.client.version": "7.0",
      "mcp.protocol.version": "2025-11-25", // from the mcp-protocol-version header
    });
    expect(spansNamed(exporter, "mcpcat:identify")).toHaveLength(0);
    const sent = clientSpans(exporter);
    expect(sent).toHaveLength(2);
    expect(sent.every((s) => s.attributes["mcp.session.id"] === undefined)).toBe(true);
    expect(sent.map((s) => s.attributes["server.port"])).toEqual([
      Number(http.url.port),
      Number(http.url.port),
    ]);
  });

  it("the regression: 10 users, 200 concurrent calls, each span carries its own caller only", async () => {
    instrumentation.setConfig({ identify: identifyFromHeader, captureContent: true });
    const http = await statelessServer(serverWithWhoami);
    cleanups.push(http.close);
    const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    const clients = await Promise.all(
      users.map((user) =>
        httpClient(http.url, { "x-user-id": user, "x-mcp-client-name": `agent-of-${user}` }),
      ),
    );
    cleanups.push(async () => {
      await Promise.all(clients.map(({ client }) => client.close()));
    });
    exporter.reset();

    const calls = Array.from({ length: 200 }, (_, i) => {
      const user = users[i % users.length]!;
      const { client } = clients[i % users.length]!;
      return client.callTool({ name: "whoami", arguments: { caller: user, ms: (i * 7) % 15 } });
    });
    const results = await Promise.all(calls);
    results.forEach((result, i) => {
      expect(result.content).toEqual([{ type: "text", text: users[i % users.length] }]);
    });

    await waitFor(() => mcpSpans(exporter).length === 200, "200 tools/call spans");
    const spans = mcpSpans(exporter);
    const perUser = new Map<string, number>();
    for (const span of spans) {
      const caller = JSON.parse(String(span.attributes["gen_ai.tool.call.arguments"])).caller;
      expect(span.attributes["user.id"]).toBe(caller);
      expect(span.attributes["user.name"]).toBe(`name of ${caller}`);
      expect(span.attributes["mcpcat.client.name"]).toBe(`agent-of-${caller}`);
      expect(span.attributes["mcp.session.id"]).toBeUndefined();
      perUser.set(caller, (perUser.get(caller) ?? 0) + 1);
    }
    expect([...perUser.values()]).toEqual(Array(10).fill(20));
    expect(spansNamed(exporter, "mcpcat:identify")).toHaveLength(0);
  });
});
