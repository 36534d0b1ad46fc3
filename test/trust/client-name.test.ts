import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { McpInstrumentationConfig } from "../../src/config.js";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import {
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { httpClient, statelessServer } from "../helpers/http.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { mcpSpans, setupTracing, spansNamed, waitFor } from "../helpers/tracing.js";

// A caller's name and version are the caller's data: with `redact` they pass it, on every span
// and event that carries them, and the identify span leaves them out rather than carry them raw.
const SECRET = "sk-live-0123456789";
const { exporter, instrumentation } = setupTracing();
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(() => exporter.reset());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  instrumentation.setConfig({});
});
afterAll(() => instrumentation.setConfig({}));

const redacts: Record<string, McpInstrumentationConfig["redact"]> = {
  sync: (text) => text.replaceAll(SECRET, "[R]"),
  async: async (text) => text.replaceAll(SECRET, "[R]"),
};

for (const [kind, redact] of Object.entries(redacts)) {
  describe(`client name and version with a ${kind} redact`, () => {
    it("stateful (initialize's clientInfo): redacted on every span and event", async () => {
      instrumentation.setConfig({ redact, identify: () => ({ userId: "u1" }) });
      const { client } = await connectInMemory(buildServer(), `agent-${SECRET}`);
      cleanups.push(() => client.close());
      await client.callTool({ name: "echo", arguments: { text: "x" } });
      await waitFor(() => mcpSpans(exporter).length === 2, "the SERVER spans");
      for (const span of mcpSpans(exporter)) {
        expect(span.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("agent-[R]");
        expect(spanToEvent(span, { projectId: "p" })?.clientName).toBe("agent-[R]");
      }
      // The identify span leaves the caller's name out rather than carry it raw.
      const [identify] = spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME);
      expect(identify).toBeDefined();
      expect(identify?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBeUndefined();
      for (const span of [...mcpSpans(exporter), identify!]) {
        expect(JSON.stringify(span.attributes)).not.toContain(SECRET);
      }
    });

    it("stateless (x-mcp-client-name headers): redacted, per request", async () => {
      instrumentation.setConfig({ redact });
      const http = await statelessServer(buildServer);
      cleanups.push(http.close);
      const { client } = await httpClient(http.url, {
        "x-mcp-client-name": `hdr-${SECRET}`,
        "x-mcp-client-version": `1.0-${SECRET}`,
      });
      cleanups.push(() => client.close());
      await client.callTool({ name: "echo", arguments: { text: "x" } });
      await waitFor(() => mcpSpans(exporter).some((s) => s.name === "tools/call echo"), "spans");
      const call = mcpSpans(exporter).find((s) => s.name === "tools/call echo")!;
      expect(call.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("hdr-[R]");
      expect(call.attributes[ATTR_MCPCAT_CLIENT_VERSION]).toBe("1.0-[R]");
      for (const span of mcpSpans(exporter)) {
        expect(JSON.stringify(span.attributes)).not.toContain(SECRET);
      }
    });
  });
}

it("without redact, the names are recorded as they came (bounded)", async () => {
  const { client } = await connectInMemory(buildServer(), `agent-${SECRET}`);
  cleanups.push(() => client.close());
  await client.callTool({ name: "echo", arguments: { text: "x" } });
  await waitFor(() => mcpSpans(exporter).length === 2, "the SERVER spans");
  expect(mcpSpans(exporter)[1]?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe(`agent-${SECRET}`);
});
