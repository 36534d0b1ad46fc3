import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { SpanStatusCode } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mcpSpans, setupTracing } from "./helpers/tracing.js";

const { exporter } = setupTracing();
let client: Client;

/** A low-level Server whose tools/call handler fails in the way the tool's name says. */
beforeAll(async () => {
  const server = new Server(
    { name: "low-level", version: "0.0.1" },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    switch (request.params.name) {
      case "crash":
        throw new Error("database unreachable");
      case "not-found":
        throw new McpError(-32002, "Resource not found");
      case "custom":
        throw new McpError(-32000, "upstream timeout");
      case "invalid":
        throw new McpError(ErrorCode.InvalidRequest, "bad request");
      default:
        return { content: [] };
    }
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: "c", version: "1" });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
});
afterAll(() => client.close());
beforeEach(() => exporter.reset());

async function failingCall(name: string) {
  await expect(client.callTool({ name, arguments: {} })).rejects.toThrow();
  const spans = mcpSpans(exporter);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe("JSON-RPC error responses (low-level Server)", () => {
  it("a handler exception is a server error: -32603, ERROR status, exception event", async () => {
    const span = await failingCall("crash");
    expect(span.name).toBe("tools/call crash");
    expect(span.attributes["rpc.response.status_code"]).toBe("-32603");
    expect(span.attributes["error.type"]).toBe("-32603");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "database unreachable" });
    const exception = span.events.find((event) => event.name === "exception");
    expect(exception?.attributes?.["exception.message"]).toBe("database unreachable");
  });

  it("an application error code is a server error with that code as error.type", async () => {
    const span = await failingCall("custom");
    expect(span.attributes["rpc.response.status_code"]).toBe("-32000");
    expect(span.attributes["error.type"]).toBe("-32000");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  for (const [name, code] of [
    ["not-found", "-32002"],
    ["invalid", "-32600"],
  ] as const) {
    it(`${code} is the client's fault: status code and the server's own message, not an error`, async () => {
      const span = await failingCall(name);
      expect(span.attributes["rpc.response.status_code"]).toBe(code);
      expect(span.attributes["error.type"]).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      // The server's words (not a generic name for the code) stay, for MCPCat's `error`.
      expect(span.events.map((event) => event.attributes?.["exception.message"])).toEqual([
        `MCP error ${code}: ${name === "not-found" ? "Resource not found" : "bad request"}`,
      ]);
    });
  }
});
