import { SpanStatusCode } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureDiag } from "./helpers/diag.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();
const open: { close(): Promise<void> }[] = [];

async function call(name: string, args: Record<string, unknown>) {
  const { client } = await connectInMemory(buildServer());
  open.push(client);
  exporter.reset();
  logs.clear();
  const result = await client.callTool({ name, arguments: args });
  // With an async redact, the initialize span (its client name redacted) may end after reset.
  const toolCall = () =>
    mcpSpans(exporter).filter((s) => s.attributes["mcp.method.name"] === "tools/call");
  await waitFor(() => toolCall().length === 1, "the tools/call span");
  return { span: toolCall()[0]!, result };
}

beforeEach(() => logs.clear());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  instrumentation.setConfig({});
});

describe("captureContent", () => {
  it("records tool arguments and result as JSON", async () => {
    instrumentation.setConfig({ captureContent: true });
    const { span } = await call("echo", { text: "hello" });
    expect(JSON.parse(String(span.attributes["gen_ai.tool.call.arguments"]))).toEqual({
      text: "hello",
    });
    expect(JSON.parse(String(span.attributes["gen_ai.tool.call.result"]))).toEqual({
      content: [{ type: "text", text: "hello" }],
    });
  });

  it("records prompt arguments for prompts/get", async () => {
    instrumentation.setConfig({ captureContent: true });
    const { client } = await connectInMemory(buildServer());
    open.push(client);
    exporter.reset();
    await client.getPrompt({ name: "greet", arguments: { who: "ada" } });
    const span = mcpSpans(exporter)[0]!;
    expect(span.attributes["gen_ai.prompt.variable.who"]).toBe("ada");
    expect(span.attributes["mcpcat.prompt.arguments"]).toBeUndefined();
  });

  it("prompt variables are redacted and cut to maxContentLength, on SERVER and CLIENT spans", async () => {
    instrumentation.setConfig({
      captureContent: true,
      maxContentLength: 10,
      redact: (text) => text.replaceAll("secret", "***"),
    });
    const { client } = await connectInMemory(buildServer());
    open.push(client);
    exporter.reset();
    await client.getPrompt({ name: "greet", arguments: { who: "my secret name is long" } });
    await waitFor(() => clientSpans(exporter).length === 1, "the CLIENT span");
    for (const span of [mcpSpans(exporter)[0]!, clientSpans(exporter)[0]!]) {
      expect(span.attributes["gen_ai.prompt.variable.who"]).toBe("my *** nam");
    }
  });

  it("records no prompt variable without captureContent", async () => {
    const { client } = await connectInMemory(buildServer());
    open.push(client);
    exporter.reset();
    await client.getPrompt({ name: "greet", arguments: { who: "ada" } });
    const keys = Object.keys(mcpSpans(exporter)[0]!.attributes);
    expect(keys.filter((k) => k.startsWith("gen_ai.prompt.variable."))).toEqual([]);
  });

  it("applies a sync redact to every captured string before recording it", async () => {
    instrumentation.setConfig({
      captureContent: true,
      redact: (text) => text.replaceAll(/sk-[a-z0-9]+/g, "[REDACTED]"),
    });
    const { span } = await call("echo", { text: "key sk-abc123", context: "user pasted sk-zzz9" });
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBe(
      JSON.stringify({ text: "key [REDACTED]", context: "user pasted [REDACTED]" }),
    );
    expect(String(span.attributes["gen_ai.tool.call.result"])).toContain("key [REDACTED]");
    expect(span.attributes["mcpcat.user_intent"]).toBe("user pasted [REDACTED]");
    expect(JSON.stringify(span.attributes)).not.toContain("sk-");
  });

  it("waits for an async redact, and never records the unredacted text", async () => {
    instrumentation.setConfig({
      captureContent: true,
      redact: async (text) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return text.replaceAll("secret", "***");
      },
    });
    const { span } = await call("echo", { text: "a secret" });
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBe('{"text":"a ***"}');
    expect(String(span.attributes["gen_ai.tool.call.result"])).toContain("a ***");
  });

  it("a redact that throws drops the content (never records it unredacted)", async () => {
    instrumentation.setConfig({
      captureContent: true,
      redact: () => {
        throw new Error("redactor broken");
      },
    });
    const { span, result } = await call("echo", { text: "secret" });
    expect(result.isError).toBeFalsy();
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    expect(span.attributes["gen_ai.tool.call.result"]).toBeUndefined();
    expect(logs.warnings().join("\n")).toMatch(/redact threw/);
  });

  it("cuts captured JSON to maxContentLength", async () => {
    instrumentation.setConfig({ captureContent: true, maxContentLength: 16 });
    const { span } = await call("echo", { text: "x".repeat(1000) });
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBe('{"text":"xxxxxxx');
    expect(String(span.attributes["gen_ai.tool.call.result"])).toHaveLength(16);
  });

  it("is off by default; the user intent (`context` argument) is still recorded", async () => {
    const { span } = await call("echo", { text: "hello", context: "find the weather" });
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    expect(span.attributes["gen_ai.tool.call.result"]).toBeUndefined();
    expect(span.attributes["mcpcat.user_intent"]).toBe("find the weather");
  });
});

describe("eventTags, eventProperties, requestHook, responseHook", () => {
  it("record tags as mcpcat.tag.<key> and properties as JSON", async () => {
    instrumentation.setConfig({
      eventTags: (request) => ({
        env: "prod",
        method: request.method,
        bad: 1 as unknown as string,
      }),
      eventProperties: () => ({ plan: "pro", seats: 3 }),
    });
    const { span } = await call("echo", { text: "x" });
    expect(span.attributes["mcpcat.tag.env"]).toBe("prod");
    expect(span.attributes["mcpcat.tag.method"]).toBe("tools/call");
    expect(span.attributes["mcpcat.tag.bad"]).toBeUndefined();
    expect(span.attributes["mcpcat.properties"]).toBe('{"plan":"pro","seats":3}');
  });

  it("requestHook runs with the span and request; responseHook sees the result", async () => {
    instrumentation.setConfig({
      requestHook: (span, { request }) => span.setAttribute("test.request", request.method),
      responseHook: (span, { result }) =>
        span.setAttribute(
          "test.response",
          JSON.stringify((result as { content: unknown }).content),
        ),
    });
    const { span } = await call("echo", { text: "x" });
    expect(span.attributes["test.request"]).toBe("tools/call");
    expect(span.attributes["test.response"]).toBe('[{"type":"text","text":"x"}]');
  });

  it("async hooks and callbacks that reject never break the request nor the process", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const reject = async () => {
      throw new Error("async user code bug");
    };
    try {
      instrumentation.setConfig({
        requestHook: reject,
        responseHook: reject,
        eventTags: reject as never,
        eventProperties: reject as never,
      });
      const { span, result } = await call("echo", { text: "still works" });
      expect(result.content).toEqual([{ type: "text", text: "still works" }]);
      expect(span.attributes["mcpcat.properties"]).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(logs.warnings().filter((w) => w.includes("rejected"))).toHaveLength(4);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("hooks and callbacks that throw never break the request", async () => {
    const boom = () => {
      throw new Error("user code bug");
    };
    instrumentation.setConfig({
      requestHook: boom,
      responseHook: boom,
      eventTags: boom,
      eventProperties: boom,
    });
    const { span, result } = await call("echo", { text: "still works" });
    expect(result.content).toEqual([{ type: "text", text: "still works" }]);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(logs.warnings().filter((w) => w.includes("threw"))).toHaveLength(4);
  });
});
