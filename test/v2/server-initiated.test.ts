import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { SpanKind } from "@opentelemetry/api";
import { expect, it } from "vitest";
import {
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_SERVER_NAME,
} from "../../src/semconv.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";
import { buildV2Server } from "./helpers.js";

const { exporter } = setupTracing();

it("SDK v2 server-initiated request (roots/list): a CLIENT span on the server, a SERVER span on the client, one trace", async () => {
  const server = buildV2Server();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "rooted", version: "1.0.0" }, { capabilities: { roots: {} } });
  client.setRequestHandler("roots/list", () => ({
    roots: [{ uri: "file:///work", name: "work" }],
  }));
  await server.connect(serverSide);
  await client.connect(clientSide);
  exporter.reset();
  const { roots } = await server.server.listRoots();
  expect(roots).toHaveLength(1);
  await waitFor(() => mcpSpans(exporter).length === 1, "the client's SERVER span");
  const [handled] = mcpSpans(exporter);
  const [sent] = clientSpans(exporter);
  expect(sent?.name).toBe("roots/list");
  expect(sent?.kind).toBe(SpanKind.CLIENT);
  expect(handled?.name).toBe("roots/list");
  expect(handled?.parentSpanContext?.spanId).toBe(sent?.spanContext().spanId);
  // Both ends know who is who: the server's name and the client's, on both spans.
  for (const span of [sent, handled]) {
    expect(span?.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("v2-server");
    expect(span?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("rooted");
    expect(span?.attributes[ATTR_MCP_SESSION_ID]).toMatch(/^[0-9a-f-]{36}$/);
  }
  await client.close();
});
