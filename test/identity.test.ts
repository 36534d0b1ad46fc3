import { SpanKind, trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Identity, McpRequest } from "../src/index.js";
import { captureDiag } from "./helpers/diag.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing, spansNamed, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();
const open: { close(): Promise<void> }[] = [];

async function connect(clientName = "test-client") {
  const connection = await connectInMemory(buildServer(), clientName);
  open.push(connection.client);
  return connection;
}
function toolSpans() {
  return mcpSpans(exporter).filter((span) => span.attributes["mcp.method.name"] === "tools/call");
}
const echo = { name: "echo", arguments: { text: "hi" } };

beforeEach(() => {
  exporter.reset();
  logs.clear();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  instrumentation.setConfig({});
});

describe("identify", () => {
  it("runs on every request, inside that request's span, and sets the identity on it", async () => {
    const seen: { method: string; activeSpan: string | undefined }[] = [];
    instrumentation.setConfig({
      identify: (request: McpRequest) => {
        const active = trace.getActiveSpan() as unknown as { name?: string } | undefined;
        seen.push({ method: request.method, activeSpan: active?.name });
        return { userId: "u-1", userName: "Ada", userData: { plan: "pro" } };
      },
    });
    const { client } = await connect();
    await client.callTool(echo);
    await client.callTool(echo);
    expect(seen).toEqual([
      { method: "initialize", activeSpan: "initialize" },
      { method: "tools/call", activeSpan: "tools/call echo" },
      { method: "tools/call", activeSpan: "tools/call echo" },
    ]);
    for (const span of mcpSpans(exporter)) {
      expect(span.attributes).toMatchObject({
        "user.id": "u-1",
        "user.name": "Ada",
        "mcpcat.identify.data": JSON.stringify({ plan: "pro" }),
      });
    }
  });

  it("emits one mcpcat:identify span per session, and again only when the identity changes", async () => {
    let user = "alice";
    instrumentation.setConfig({ identify: () => ({ userId: user }) });
    const first = await connect();
    await first.client.callTool(echo);
    await first.client.callTool(echo);
    const second = await connect();
    await second.client.callTool(echo);
    let identifies = spansNamed(exporter, "mcpcat:identify");
    expect(identifies).toHaveLength(2); // one per session
    expect(identifies.every((span) => span.kind === SpanKind.INTERNAL)).toBe(true);
    const sessions = new Set(identifies.map((span) => span.attributes["mcp.session.id"]));
    expect(sessions.size).toBe(2);
    expect(identifies[0]?.attributes).toMatchObject({
      "user.id": "alice",
      "mcpcat.server.name": "test-server",
    });

    user = "bob";
    await first.client.callTool(echo);
    await first.client.callTool(echo);
    identifies = spansNamed(exporter, "mcpcat:identify");
    expect(identifies).toHaveLength(3);
    expect(identifies[2]?.attributes["user.id"]).toBe("bob");
    // The identify span is a child of the request span that saw the change.
    const parentIds = new Set(toolSpans().map((span) => span.spanContext().spanId));
    expect(parentIds.has(identifies[2]!.parentSpanContext!.spanId)).toBe(true);
  });

  it("async identify: identity recorded, span ends at the response, not when identify settles", async () => {
    // identify settles only when the test says so, after the response has arrived: the
    // request must not wait for it, and the span's end must be the response's time.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    instrumentation.setConfig({
      identify: async (request) => {
        if (request.method === "tools/call") await released;
        return { userId: "slow-user" };
      },
    });
    const { client } = await connect();
    exporter.reset();
    await client.callTool(echo); // resolves while identify is still pending
    const answeredAt = Date.now();
    expect(toolSpans()).toHaveLength(0); // the span waits for identify...
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await waitFor(() => toolSpans().length === 1, "tools/call span");
    const span = toolSpans()[0]!;
    expect(span.attributes["user.id"]).toBe("slow-user");
    const endMs = span.endTime[0] * 1e3 + span.endTime[1] / 1e6;
    expect(endMs).toBeLessThan(answeredAt + 50); // ...but ends at the response (released 100 ms later)
  });

  const failures: [string, () => unknown][] = [
    [
      "throws",
      () => {
        throw new Error("auth backend down");
      },
    ],
    ["rejects", () => Promise.reject(new Error("auth backend down"))],
    ["returns a string", () => "alice"],
    ["returns no userId", () => ({ userName: "no id" })],
    ["returns an empty userId", () => ({ userId: "" })],
    ["returns an array", () => [1, 2]],
    [
      "returns an identity whose getter throws",
      () => ({
        get userId(): string {
          throw new Error("session not loaded");
        },
      }),
    ],
    [
      "resolves to an identity whose getter throws",
      async () => ({
        get userId(): string {
          throw new Error("session not loaded");
        },
      }),
    ],
  ];
  for (const [what, identify] of failures) {
    it(`identify that ${what}: the request succeeds, the span has no identity, diag says why`, async () => {
      instrumentation.setConfig({ identify: identify as () => Identity });
      const { client } = await connect();
      const result = await client.callTool(echo);
      expect(result.content).toEqual([{ type: "text", text: "hi" }]);
      await waitFor(() => toolSpans().length === 1, "tools/call span");
      const span = toolSpans()[0]!;
      expect(span.attributes["user.id"]).toBeUndefined();
      expect(span.status.code).toBe(0);
      expect(spansNamed(exporter, "mcpcat:identify")).toHaveLength(0);
      expect(logs.warnings().join("\n")).toMatch(/identify/);
    });
  }

  it("identify that hangs: the request is not held, the span ends at the timeout without identity", async () => {
    instrumentation.setConfig({
      identify: () => new Promise<Identity>(() => {}),
      identifyTimeoutMs: 100,
    });
    const { client } = await connect();
    await waitFor(() => mcpSpans(exporter).length === 1, "initialize span after its timeout", 2000);
    await client.callTool(echo); // answered although identify never settles
    expect(toolSpans()).toHaveLength(0); // the span is still waiting for identify
    await waitFor(() => toolSpans().length === 1, "tools/call span after the timeout", 2000);
    expect(toolSpans()[0]!.attributes["user.id"]).toBeUndefined();
    expect(logs.warnings().join("\n")).toMatch(/identify did not settle/);
  });

  it("a numeric userId is recorded as a string", async () => {
    instrumentation.setConfig({ identify: () => ({ userId: 42 }) as unknown as Identity });
    const { client } = await connect();
    await client.callTool(echo);
    expect(toolSpans()[0]!.attributes["user.id"]).toBe("42");
  });

  it("userData that cannot be JSON (circular) is dropped, the rest of the identity kept", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    instrumentation.setConfig({ identify: () => ({ userId: "u", userData: circular }) });
    const { client } = await connect();
    await client.callTool(echo);
    const span = toolSpans()[0]!;
    expect(span.attributes["user.id"]).toBe("u");
    expect(span.attributes["mcpcat.identify.data"]).toBeUndefined();
  });

  it("the extra handed to identify carries no secrets beyond the request's own headers", async () => {
    let extraKeys: string[] = [];
    instrumentation.setConfig({
      identify: (_request, extra) => {
        extraKeys = Object.keys(extra).sort();
        return { userId: "u" };
      },
    });
    const { client } = await connect();
    await client.callTool(echo);
    expect(extraKeys).toEqual(["authInfo", "requestId", "requestInfo", "sessionId"]);
    const attributes = JSON.stringify(mcpSpans(exporter).map((span) => span.attributes));
    expect(attributes).not.toMatch(/requestInfo|authInfo|headers/);
  });
});
