import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MCPCatExporter, McpInstrumentation, publishCustomEvent } from "../src/index.js";
import {
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CUSTOM_PARAMETERS,
  ATTR_MCPCAT_CUSTOM_RESOURCE_NAME,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_USER_ID,
  MCPCAT_CUSTOM_SPAN_NAME,
} from "../src/semconv.js";
import { cleanEnv, FIXTURES, ROOT } from "./helpers/child.js";
import { captureDiag } from "./helpers/diag.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import { httpClient, statelessServer } from "./helpers/http.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing, spansNamed, waitFor } from "./helpers/tracing.js";

// publishCustomEvent: an event of the user's own, inside a request (its trace, caller and
// session) or outside any; every string redacted and bounded; bad input never thrown.
const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();
afterEach(() => {
  instrumentation.setConfig({});
  exporter.reset();
  logs.clear();
});

/** A server whose `checkout` tool publishes a custom event after `ms`. */
function checkoutServer() {
  const server = buildServer("custom-events", "1.0.0");
  server.registerTool(
    "checkout",
    { inputSchema: { caller: z.string(), ms: z.number() } },
    async ({ caller, ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      publishCustomEvent({
        resourceName: "checkout",
        message: `paid by ${caller}`,
        parameters: { cents: 1299 },
        response: { ok: true },
        duration: 40,
        tags: { plan: "pro" },
        properties: { cart: [1, 2] },
      });
      return { content: [{ type: "text", text: caller }] };
    },
  );
  return server;
}

const customSpans = () => spansNamed(exporter, MCPCAT_CUSTOM_SPAN_NAME);

async function sendToApi(spans: ReadableSpan[], vocabulary?: "mcpcat") {
  const api = await new FakeMcpcatApi(vocabulary).start();
  try {
    const mcpcat = new MCPCatExporter({
      projectId: "proj_custom",
      apiBaseUrl: api.url,
      vocabulary,
    });
    mcpcat.export(spans, () => {});
    await mcpcat.shutdown();
    expect(api.violations).toEqual([]);
    // On the wire, as sent: a stateless event's session_id is null (the model decodes it as undefined).
    const bodies = [...api.accepted.values()];
    return api.events.map((event, i) => ({ ...event, sessionId: bodies[i]!.session_id }));
  } finally {
    await api.close();
  }
}

describe("publishCustomEvent inside a request", () => {
  it("concurrent requests of different callers: each event its own caller, trace and session", async () => {
    instrumentation.setConfig({
      // Async and slower than the handler: the event still waits for its request's caller.
      identify: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        const args = request.params?.arguments as { caller?: string } | undefined;
        return args?.caller ? { userId: args.caller } : null;
      },
    });
    const { client } = await connectInMemory(checkoutServer());
    await Promise.all([
      client.callTool({ name: "checkout", arguments: { caller: "alice", ms: 20 } }),
      client.callTool({ name: "checkout", arguments: { caller: "bob", ms: 5 } }),
    ]);
    await client.close();
    await waitFor(() => customSpans().length === 2, "two custom spans");

    for (const custom of customSpans()) {
      const caller = String(custom.attributes[ATTR_MCPCAT_USER_INTENT]).replace("paid by ", "");
      const request = mcpSpans(exporter).find(
        (s) => s.spanContext().spanId === custom.parentSpanContext?.spanId,
      )!;
      expect(request.name).toBe("tools/call checkout");
      expect(custom.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(request.attributes[ATTR_USER_ID]).toBe(caller);
      expect(custom.attributes[ATTR_USER_ID]).toBe(caller);
      expect(custom.attributes[ATTR_MCP_SESSION_ID]).toBe(request.attributes[ATTR_MCP_SESSION_ID]);
      expect(custom.kind).toBe(SpanKind.INTERNAL);
    }

    const events = (await sendToApi(customSpans())).sort((a, b) =>
      String(a.identifyActorGivenId).localeCompare(String(b.identifyActorGivenId)),
    );
    expect(events.map((e) => [e.eventType, e.identifyActorGivenId, e.userIntent])).toEqual([
      ["agentcat:custom", "alice", "paid by alice"],
      ["agentcat:custom", "bob", "paid by bob"],
    ]);
    expect(events[0]).toMatchObject({
      resourceName: "checkout",
      parameters: { cents: 1299 },
      response: { ok: true },
      tags: { plan: "pro" },
      properties: { cart: [1, 2] },
      duration: 40,
    });
    expect(events[0]!.sessionId).toEqual(expect.any(String));
    expect(events[0]!.isError).toBeFalsy();
    // The legacy API gets the legacy SDK's type.
    expect((await sendToApi(customSpans(), "mcpcat")).map((e) => e.eventType)).toEqual([
      "mcpcat:custom",
      "mcpcat:custom",
    ]);
  });

  it("a stateless server: the event has no session (sessionId null)", async () => {
    const http = await statelessServer(checkoutServer);
    try {
      const { client } = await httpClient(http.url);
      await client.callTool({ name: "checkout", arguments: { caller: "carol", ms: 1 } });
      await client.close();
    } finally {
      await http.close();
    }
    await waitFor(() => customSpans().length === 1, "the custom span");
    expect(customSpans()[0]!.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    const [event] = await sendToApi(customSpans());
    expect(event!.sessionId).toBeNull();
  });
});

describe("publishCustomEvent under register", () => {
  it("the app's copy of the function finds the request of register's own bundle", async () => {
    const api = await new FakeMcpcatApi().start();
    try {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "mcpcat-otel/register", `${FIXTURES}agentcat-server.mjs`],
        cwd: ROOT,
        env: cleanEnv({ AGENTCAT_PROJECT_ID: "proj_register", AGENTCAT_API_URL: api.url }),
        stderr: "pipe",
      });
      const client = new Client({ name: "register-custom", version: "1.0.0" });
      await client.connect(transport);
      await client.callTool({ name: "echo", arguments: { text: "via register" } });
      await client.close();
      await api.waitForAccepted(3);
      expect(api.violations).toEqual([]);
      const echo = api.events.find((e) => e.resourceName === "echo")!;
      const custom = api.events.find((e) => String(e.eventType) === "agentcat:custom")!;
      expect(custom).toMatchObject({ resourceName: "echoed", userIntent: "echoed via register" });
      expect(custom.sessionId).toEqual(echo.sessionId);
      expect(custom.clientName).toBe("register-custom");
    } finally {
      await api.close();
    }
  });
});

describe("publishCustomEvent outside any request", () => {
  it("stands alone: a root span, no caller, no session", async () => {
    publishCustomEvent({ resourceName: "nightly-job", message: "reindexed", isError: true });
    await waitFor(() => customSpans().length === 1, "the custom span");
    const [span] = customSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.attributes[ATTR_USER_ID]).toBeUndefined();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    const [event] = await sendToApi(customSpans());
    expect(event).toMatchObject({
      eventType: "agentcat:custom",
      resourceName: "nightly-job",
      isError: true,
    });
    expect(event!.sessionId).toBeNull();
  });
});

describe("publishCustomEvent beside other instrumentations", () => {
  it("inside a request: the options of the instrumentation that traced it (its redact), not the last made", async () => {
    instrumentation.setConfig({ redact: (text) => text.replaceAll("sk-secret", "[redacted]") });
    // Made later, never enabled: it traces nothing, and has no redact.
    const other = new McpInstrumentation({ enabled: false });
    const server = buildServer("custom-two-instrumentations", "1.0.0");
    server.registerTool("pay", {}, async () => {
      publishCustomEvent({ resourceName: "pay", message: "paid with sk-secret" });
      return { content: [{ type: "text", text: "ok" }] };
    });
    const { client } = await connectInMemory(server);
    await client.callTool({ name: "pay", arguments: {} });
    await client.close();
    await waitFor(() => customSpans().length === 1, "the custom span");
    expect(customSpans()[0]!.attributes[ATTR_MCPCAT_USER_INTENT]).toBe("paid with [redacted]");
    other.disable();
  });

  it("outside a request: the instrumentation enabled last; after disable() none, and nothing is recorded", async () => {
    instrumentation.setConfig({ redact: (text) => text.replaceAll("sk-secret", "[redacted]") });
    const other = new McpInstrumentation({ enabled: false });
    publishCustomEvent({ resourceName: "job", message: "ran with sk-secret" });
    await waitFor(() => customSpans().length === 1, "the custom span");
    expect(customSpans()[0]!.attributes[ATTR_MCPCAT_USER_INTENT]).toBe("ran with [redacted]");
    exporter.reset();
    instrumentation.disable();
    try {
      publishCustomEvent({ resourceName: "job", message: "after disable" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(customSpans()).toHaveLength(0);
    } finally {
      instrumentation.enable();
      other.disable();
    }
  });
});

describe("publishCustomEvent with hostile input", () => {
  it("refuses what is not an object, with a diag line, and never throws", () => {
    for (const bad of [null, undefined, "text", 42, [1, 2]]) {
      expect(() => publishCustomEvent(bad as never)).not.toThrow();
    }
    expect(logs.warnings().filter((w) => /expects an object/.test(w))).toHaveLength(5);
    expect(customSpans()).toHaveLength(0);
  });

  it("records what is usable: cycles, huge text, wrong types, throwing getters; all redacted", async () => {
    instrumentation.setConfig({
      maxContentLength: 1000,
      redact: async (text) => text.replaceAll("sk-secret", "[redacted]"),
    });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const hostile = {
      resourceName: 12 as unknown as string,
      message: `sk-secret ${"x".repeat(1_000_000)}`,
      parameters: cyclic,
      response: { token: "sk-secret" },
      duration: Number.NaN,
      error: new Error("failed with sk-secret"),
      tags: { ok: "sk-secret", bad: 5 as unknown as string },
      get properties(): Record<string, unknown> {
        throw new Error("getter exploded");
      },
    };
    expect(() => publishCustomEvent(hostile)).not.toThrow();
    await waitFor(() => customSpans().length === 1, "the custom span");
    const [span] = customSpans();
    const attributes = span!.attributes;
    expect(attributes[ATTR_MCPCAT_CUSTOM_RESOURCE_NAME]).toBeUndefined();
    expect(attributes[ATTR_MCPCAT_CUSTOM_PARAMETERS]).toBeUndefined();
    const intent = String(attributes[ATTR_MCPCAT_USER_INTENT]);
    expect(intent.startsWith("[redacted] xxx")).toBe(true);
    expect(intent.length).toBe(1000);
    const { attributes: all, events, status } = span!;
    expect(JSON.stringify({ all, events, status })).not.toContain("sk-secret");
    const exception = span!.events.find((e) => e.name === "exception")!;
    expect(exception.attributes!["exception.message"]).toBe("failed with [redacted]");
    const warnings = logs.warnings().join("\n");
    expect(warnings).toMatch(/resourceName must be a string/);
    expect(warnings).toMatch(/parameters is not JSON/);
    expect(warnings).toMatch(/duration must be/);
    expect(warnings).toMatch(/properties could not be read/);

    const [event] = await sendToApi(customSpans());
    expect(event).toMatchObject({
      eventType: "agentcat:custom",
      isError: true,
      tags: { ok: "[redacted]" },
      response: { token: "[redacted]" },
    });
    expect((event!.error as { message: string }).message).toBe("failed with [redacted]");
  });

  it("inside a handler, bad input does not break the request", async () => {
    const server = buildServer("hostile-handler", "1.0.0");
    server.registerTool("publishes-junk", {}, async () => {
      publishCustomEvent(Symbol("junk") as never);
      publishCustomEvent({ message: 5n as unknown as string, parameters: { big: 5n } });
      return { content: [{ type: "text", text: "fine" }] };
    });
    const { client } = await connectInMemory(server);
    const result = await client.callTool({ name: "publishes-junk", arguments: {} });
    await client.close();
    expect(result).toMatchObject({ content: [{ type: "text", text: "fine" }] });
    expect(result.isError).toBeFalsy();
  });
});
