import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_USER_ID,
} from "../../src/semconv.js";
import { captureDiag } from "../helpers/diag.js";
import { httpClient, statefulServer, statelessServer } from "../helpers/http.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";

// The "suspected from reading" list, each probed through real transports.
const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();
const closers: (() => Promise<unknown>)[] = [];
beforeEach(() => {
  exporter.reset();
  instrumentation.setConfig({});
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("HTTP transports are recognised by shape, not by class name", () => {
  const renamed = [StreamableHTTPServerTransport, StreamableHTTPClientTransport];
  const names = renamed.map((cls) => cls.name);
  afterAll(() => {
    renamed.forEach((cls, i) => void Object.defineProperty(cls, "name", { value: names[i] }));
  });

  it("a minified bundle (classes renamed): tcp, and the transport's own session id, both sides", async () => {
    for (const cls of renamed) Object.defineProperty(cls, "name", { value: "e" });
    instrumentation.setConfig({ sessionIdExport: "raw" });
    const http = await statefulServer(() => buildServer());
    closers.push(() => http.close());
    const { client, transport } = await httpClient(http.url);
    closers.push(() => client.close());
    await client.callTool({ name: "echo", arguments: { text: "x" } });
    await waitFor(() => mcpSpans(exporter).length >= 2, "SERVER spans");
    for (const span of [...mcpSpans(exporter), ...clientSpans(exporter)]) {
      expect(span.attributes[ATTR_NETWORK_TRANSPORT]).toBe("tcp");
    }
    const call = mcpSpans(exporter).find((s) => s.name === "tools/call echo")!;
    expect(call.attributes[ATTR_MCP_SESSION_ID]).toBe(transport.sessionId);
  });
});

describe("a cancelled request is not an MCPCat error", () => {
  it("the span says cancelled; the event has no isError", async () => {
    const { client } = await connectInMemory(buildServer());
    closers.push(() => client.close());
    exporter.reset();
    await expect(
      client.callTool({ name: "sleep", arguments: { ms: 300 } }, undefined, { timeout: 20 }),
    ).rejects.toThrow();
    await waitFor(() => mcpSpans(exporter).length === 1, "the cancelled span");
    const span = mcpSpans(exporter)[0]!;
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe("cancelled");
    const event = spanToEvent(span, { projectId: "p" })!;
    expect(event.isError).toBeUndefined();
    expect(event.error).toBeUndefined();
  });
});

describe("a User-Agent is the MCP client's name only when it is not a browser's or a library's", () => {
  for (const [agent, expected] of [
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", undefined],
    ["axios/1.7.2", undefined],
    ["python-httpx/0.27.0", undefined],
    ["node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", undefined],
    ["my-agent/2.0 (custom)", "my-agent"],
  ] as const) {
    it(`${agent} -> ${expected ?? "no client name"}`, async () => {
      const http = await statelessServer(() => buildServer());
      closers.push(() => http.close());
      const { client } = await httpClient(http.url, { "user-agent": agent });
      closers.push(() => client.close());
      exporter.reset();
      await client.listTools();
      await waitFor(() => mcpSpans(exporter).length === 1, "the span");
      expect(mcpSpans(exporter)[0]!.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe(expected);
    });
  }
});

describe("0 is not accepted for maxContentLength and identifyTimeoutMs", () => {
  it("falls back to the defaults, with a diag warning", async () => {
    logs.clear();
    instrumentation.setConfig({
      captureContent: true,
      maxContentLength: 0,
      identifyTimeoutMs: 0,
      identify: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { userId: "late-but-in-time" };
      },
    });
    expect(logs.warnings().filter((w) => /not a positive number/.test(w))).toHaveLength(2);
    const { client } = await connectInMemory(buildServer());
    closers.push(() => client.close());
    await client.callTool({ name: "echo", arguments: { text: "kept" } });
    const call = () => mcpSpans(exporter).find((s) => s.name === "tools/call echo");
    await waitFor(() => call() !== undefined, "the span");
    const span = call()!;
    expect(span.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).toBe('{"text":"kept"}');
    expect(span.attributes[ATTR_USER_ID]).toBe("late-but-in-time");
  });
});
