import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { McpInstrumentationConfig } from "../../src/config.js";
import { MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_STACK_LENGTH } from "../../src/content.js";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import { ATTR_ERROR_TYPE, ATTR_RPC_RESPONSE_STATUS_CODE } from "../../src/semconv.js";
import { captureDiag } from "../helpers/diag.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";

const SECRET = "sk-live-0123456789";
const HUGE = "x".repeat(1_000_000);
const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();

/** A low-level Server whose handler throws a 1 MB message holding a secret. */
let lowLevel: Client;
/** An McpServer whose tool returns a 1 MB `isError` text holding a secret. */
let high: Client;

beforeAll(async () => {
  const server = new Server({ name: "s", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, async () => {
    throw new Error(`db login failed with ${SECRET} ${HUGE}`);
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  lowLevel = new Client({ name: "c", version: "1" });
  await Promise.all([server.connect(serverTransport), lowLevel.connect(clientTransport)]);
  const mcp = buildServer();
  mcp.registerTool("leaky", {}, async () => ({
    isError: true,
    content: [{ type: "text", text: `upstream said ${SECRET} ${HUGE}` }],
  }));
  high = (await connectInMemory(mcp)).client;
});
afterAll(async () => {
  await Promise.all([lowLevel.close(), high.close()]);
});
beforeEach(() => {
  exporter.reset();
  logs.clear();
});

const redactors: Record<string, McpInstrumentationConfig["redact"]> = {
  sync: (text) => text.replaceAll(SECRET, "[REDACTED]"),
  async: async (text) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return text.replaceAll(SECRET, "[REDACTED]");
  },
};

/** Everything a span exports, as one string. */
function exported(span: ReadableSpan): string {
  const { name, attributes, events, status, links } = span;
  return JSON.stringify({ name, attributes, events, status, links });
}

function exceptionOf(span: ReadableSpan) {
  return span.events.find((event) => event.name === "exception")?.attributes ?? {};
}

async function bothSpans(count = 1) {
  await waitFor(
    () => mcpSpans(exporter).length === count && clientSpans(exporter).length === count,
    "the SERVER and CLIENT spans",
  );
  return [mcpSpans(exporter)[0]!, clientSpans(exporter)[0]!] as const;
}

function expectBoundedAndClean(span: ReadableSpan) {
  const text = exported(span);
  expect(text).not.toContain(SECRET);
  expect(span.status.code).toBe(SpanStatusCode.ERROR);
  expect(span.status.message?.length ?? 0).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
  const exception = exceptionOf(span);
  expect(String(exception["exception.message"] ?? "").length).toBeLessThanOrEqual(
    MAX_ERROR_MESSAGE_LENGTH,
  );
  expect(String(exception["exception.stacktrace"] ?? "").length).toBeLessThanOrEqual(
    MAX_ERROR_STACK_LENGTH,
  );
  // Far below the 1 MB the error carried.
  expect(text.length).toBeLessThan(4 * (MAX_ERROR_MESSAGE_LENGTH + MAX_ERROR_STACK_LENGTH));
  const event = spanToEvent(span, { projectId: "p" });
  if (event) expect(JSON.stringify(event)).not.toContain(SECRET);
}

for (const [kind, redact] of Object.entries(redactors)) {
  for (const captureContent of [false, true]) {
    describe(`error text with a ${kind} redact, captureContent ${captureContent}`, () => {
      beforeEach(() => instrumentation.setConfig({ redact, captureContent }));

      it("a thrown handler error: status, exception and MCPCat error redacted and bounded, both sides", async () => {
        await expect(lowLevel.callTool({ name: "t", arguments: {} })).rejects.toThrow(SECRET);
        const [server, client] = await bothSpans();
        for (const span of [server, client]) {
          expectBoundedAndClean(span);
          expect(span.status.message).toMatch(
            /^(MCP error -32603: )?db login failed with \[REDACTED\] x+$/,
          );
        }
        // The client's error keeps its stack, redacted and bounded.
        expect(String(exceptionOf(client)["exception.stacktrace"])).toContain("[REDACTED]");
        const event = spanToEvent(server, { projectId: "p" })!;
        expect((event.error as { message: string }).message).toContain("[REDACTED]");
      });

      it("an isError tool result: its text redacted and bounded in the status and MCPCat error", async () => {
        const result = await high.callTool({ name: "leaky", arguments: {} });
        expect(JSON.stringify(result)).toContain(SECRET); // the user's response is untouched
        const [server, client] = await bothSpans();
        for (const span of [server, client]) {
          expectBoundedAndClean(span);
          expect(span.attributes[ATTR_ERROR_TYPE]).toBe("tool_error");
          expect(span.status.message).toMatch(/^upstream said \[REDACTED\] x+$/);
        }
        const event = spanToEvent(server, { projectId: "p" })!;
        expect((event.error as { message: string }).message).toMatch(/^upstream said \[REDACTED\]/);
      });
    });
  }
}

describe("a redact that fails drops the error text, never leaks it", () => {
  const failing: Record<string, McpInstrumentationConfig["redact"]> = {
    throws: () => {
      throw new Error("redactor down");
    },
    rejects: async () => {
      throw new Error("redactor down");
    },
    "returns a number": () => 42 as unknown as string,
    "never settles": () => new Promise<string>(() => {}),
  };
  for (const [name, redact] of Object.entries(failing)) {
    it(`redact ${name}: ERROR status without a message, no exception text`, async () => {
      instrumentation.setConfig({ redact, identifyTimeoutMs: 50 });
      await expect(lowLevel.callTool({ name: "t", arguments: {} })).rejects.toThrow();
      const [server, client] = await bothSpans();
      for (const span of [server, client]) {
        expect(exported(span)).not.toContain(SECRET);
        expect(exported(span)).not.toContain("db login failed");
        expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
        expect(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE]).toBe("-32603");
      }
      expect(logs.warnings().join("\n")).toMatch(/redact|did not settle/);
    });
  }
});

describe("error text without redact", () => {
  it("is bounded, and stays on by default (users want their error messages)", async () => {
    instrumentation.setConfig({});
    await expect(lowLevel.callTool({ name: "t", arguments: {} })).rejects.toThrow();
    const [server, client] = await bothSpans();
    for (const span of [server, client]) {
      expect(span.status.message).toContain(`db login failed with ${SECRET}`);
      expect(span.status.message!.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
    }
  });

  it("a relayed McpError keeps one `MCP error <code>:` prefix, not two", async () => {
    instrumentation.setConfig({});
    const mcp = buildServer();
    const { client } = await connectInMemory(mcp);
    exporter.reset();
    await expect(client.readResource({ uri: "file:///missing.md" })).rejects.toThrow(
      /MCP error (-\d+): MCP error \1: /,
    ); // what the SDK gives the caller
    const [server, sent] = await bothSpans();
    const once = /^MCP error -\d+: Resource file:\/\/\/missing\.md not found$/;
    expect(sent.status.message).toMatch(once);
    expect(exceptionOf(server)["exception.message"]).toMatch(once);
    // MCPCat gets the server's own words, not a generic "Resource not found".
    const event = spanToEvent(server, { projectId: "p" })!;
    expect((event.error as { message: string }).message).toContain("file:///missing.md");
    await client.close();
  });
});
