import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_ERROR_TYPE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
} from "../../src/semconv.js";
import { clientSpans, mcpSpans, setupTracing } from "../helpers/tracing.js";
import { connectV2Http, type HandlerServer, handlerOverHttp } from "./helpers.js";

const { exporter } = setupTracing();
let http: HandlerServer;
beforeAll(async () => {
  http = await handlerOverHttp();
});
afterAll(() => http.close());
beforeEach(() => exporter.reset());

/** A modern client whose transport records the JSON-RPC bodies it posts. */
async function recordingClient(
  posted: Array<{ method?: string; params?: { _meta?: Record<string, unknown> } }>,
) {
  const client = new Client(
    { name: "listener", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  const transport = new StreamableHTTPClientTransport(http.url, {
    fetch: async (url, init) => {
      if (typeof init?.body === "string") posted.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
  await client.connect(transport);
  return client;
}

describe("subscriptions/listen (SDK v2 client, modern era)", () => {
  it("one CLIENT span from the call to the server's acknowledgement; its context in the request's _meta", async () => {
    const posted: Array<{ method?: string; params?: { _meta?: Record<string, unknown> } }> = [];
    const client = await recordingClient(posted);
    exporter.reset();
    const subscription = await client.listen({ toolsListChanged: true });
    // Ended at the acknowledgement, while the stream is still open.
    const [span] = clientSpans(exporter);
    expect(span?.name).toBe("subscriptions/listen");
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes).toMatchObject({
      [ATTR_JSONRPC_REQUEST_ID]: "listen:0",
      [ATTR_MCPCAT_CLIENT_NAME]: "listener",
      [ATTR_MCP_PROTOCOL_VERSION]: "2026-07-28",
    });
    expect(span?.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
    const sent = posted.find((body) => body.method === "subscriptions/listen");
    const { traceId, spanId } = span!.spanContext();
    expect(sent?.params?._meta?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    // The modern envelope is still there, and the client's own envelope method is its own again.
    expect(sent?.params?._meta?.["io.modelcontextprotocol/protocolVersion"]).toBe("2026-07-28");
    expect(Object.hasOwn(client, "_outboundMetaEnvelope")).toBe(false);
    // createMcpHandler serves listen streams outside any Protocol: no SERVER span (documented).
    expect(mcpSpans(exporter)).toHaveLength(0);
    await subscription.close();
    expect(clientSpans(exporter)).toHaveLength(1);
    await client.close();
  });

  it("a listen that fails before the acknowledgement ends its span as an error", async () => {
    const client = await connectV2Http(http.url, "modern");
    exporter.reset();
    // An acknowledgement timeout of 0: the SDK gives up at once.
    await expect(client.listen({ toolsListChanged: true }, { timeout: 0 })).rejects.toThrow();
    const [span] = clientSpans(exporter);
    expect(span?.name).toBe("subscriptions/listen");
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes[ATTR_ERROR_TYPE]).toBeDefined();
    await client.close();
  });

  it("on a legacy-era connection the SDK refuses before sending: no span", async () => {
    const client = await connectV2Http(http.url, "legacy");
    exporter.reset();
    await expect(client.listen({ toolsListChanged: true })).rejects.toThrow(/2026-07-28/);
    expect(clientSpans(exporter)).toHaveLength(0);
    await client.close();
  });
});
