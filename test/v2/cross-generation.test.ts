import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2HttpClient,
} from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1HttpClient } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ATTR_MCPCAT_CLIENT_NAME, ATTR_MCPCAT_SERVER_NAME } from "../../src/semconv.js";
import { statelessServer } from "../helpers/http.js";
import { buildServer } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";
import { handlerOverHttp } from "./helpers.js";

const { exporter, instrumentation } = setupTracing();
/** The traceparent each SERVER span's request carried in `params._meta`, by tool name. */
const carried = new Map<string, unknown>();
beforeEach(() => {
  exporter.reset();
  carried.clear();
  instrumentation.setConfig({
    requestHook: (_span, { request }) => {
      if (request.method === "tools/call") {
        carried.set(String(request.params?.name), request.params?._meta?.traceparent);
      }
    },
  });
});
afterEach(() => instrumentation.setConfig({}));

/** One trace: the SERVER span's parent is the CLIENT span, and `_meta` itself says so. */
function expectOneTrace(server: ReadableSpan, client: ReadableSpan, tool: string) {
  const { traceId, spanId } = client.spanContext();
  expect(carried.get(tool)).toBe(`00-${traceId}-${spanId}-01`);
  expect(server.spanContext().traceId).toBe(traceId);
  expect(server.parentSpanContext?.spanId).toBe(spanId);
}

describe("both generations instrumented in one process: one trace across them", () => {
  it("a v1 client calling a v2 server (createMcpHandler over HTTP)", async () => {
    const http = await handlerOverHttp();
    try {
      const client = new V1Client({ name: "v1-client", version: "1.0.0" });
      await client.connect(new V1HttpClient(http.url));
      exporter.reset();
      await client.callTool({ name: "echo", arguments: { text: "hi" } });
      await client.close();
      const [server] = mcpSpans(exporter);
      const [sent] = clientSpans(exporter);
      expect(server?.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("v2-server");
      expect(sent?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("v1-client");
      expectOneTrace(server!, sent!, "echo");
    } finally {
      await http.close();
    }
  });

  it("a v2 client (versionNegotiation auto, falling back to legacy) calling a v1 server", async () => {
    const http = await statelessServer(() => buildServer("v1-server"));
    try {
      const client = new V2Client(
        { name: "v2-client", version: "2.0.0" },
        { versionNegotiation: { mode: "auto" } },
      );
      await client.connect(new V2HttpClient(http.url));
      exporter.reset();
      await client.callTool({ name: "echo", arguments: { text: "hi" } });
      await client.close();
      await waitFor(() => mcpSpans(exporter).length === 1, "the v1 SERVER span");
      const [server] = mcpSpans(exporter);
      const [sent] = clientSpans(exporter);
      expect(server?.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("v1-server");
      expect(sent?.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("v1-server");
      expect(sent?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("v2-client");
      expectOneTrace(server!, sent!, "echo");
    } finally {
      await http.close();
    }
  });
});
