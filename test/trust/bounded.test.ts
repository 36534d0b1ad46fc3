import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { McpInstrumentationConfig } from "../../src/config.js";
import { MAX_NAME_LENGTH, MAX_SHORT_TEXT_LENGTH, MAX_TAGS } from "../../src/content.js";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import {
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPCAT_IDENTIFY_DATA,
  ATTR_MCPCAT_PROPERTIES,
  ATTR_MCPCAT_TAG_PREFIX,
  ATTR_USER_ID,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { freshMetrics } from "../helpers/metrics.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, spansNamed, waitFor } from "../helpers/tracing.js";

const SECRET = "sk-live-0123456789";
const MAX = 2000;
const { exporter, instrumentation } = setupTracing();
let client: Awaited<ReturnType<typeof connectInMemory>>["client"];
beforeAll(async () => {
  ({ client } = await connectInMemory(buildServer()));
});
afterAll(() => client.close());
beforeEach(() => exporter.reset());

const redacts: Record<string, McpInstrumentationConfig["redact"]> = {
  sync: (text) => text.replaceAll(SECRET, "[R]"),
  async: async (text) => text.replaceAll(SECRET, "[R]"),
};

for (const [kind, redact] of Object.entries(redacts)) {
  describe(`identity, tags, properties and resource URIs (${kind} redact, no captureContent)`, () => {
    beforeAll(() =>
      instrumentation.setConfig({
        redact,
        maxContentLength: MAX,
        identify: () => ({
          userId: `u-${"1".repeat(5000)}`,
          userName: "n".repeat(5000),
          userData: { token: SECRET, blob: "b".repeat(3_000_000) },
        }),
        eventTags: () =>
          Object.fromEntries(
            Array.from({ length: 100 }, (_, i) => [`k${i}`, `${SECRET} ${"v".repeat(5000)}`]),
          ),
        eventProperties: () => ({ secret: SECRET, big: "p".repeat(100_000) }),
      }),
    );

    it("bug 2: 3 MB of userData becomes a bounded, redacted attribute and event", async () => {
      await client.callTool({ name: "echo", arguments: { text: "x" } });
      await waitFor(() => mcpSpans(exporter).length === 1, "the span");
      const span = mcpSpans(exporter)[0]!;
      const data = String(span.attributes[ATTR_MCPCAT_IDENTIFY_DATA]);
      expect(data.length).toBeLessThanOrEqual(MAX);
      expect(data).toContain('"token":"[R]"');
      expect(String(span.attributes[ATTR_USER_ID]).length).toBe(MAX_SHORT_TEXT_LENGTH);
      const event = spanToEvent(span, { projectId: "p" })!;
      expect(JSON.stringify(event).length).toBeLessThan(
        MAX * 4 + MAX_TAGS * MAX_SHORT_TEXT_LENGTH * 2,
      );
      expect(JSON.stringify(event)).not.toContain(SECRET);
      // Tags: at most MAX_TAGS, each value bounded and redacted.
      const tags = Object.keys(span.attributes).filter((k) => k.startsWith(ATTR_MCPCAT_TAG_PREFIX));
      expect(tags).toHaveLength(MAX_TAGS);
      for (const key of tags) {
        const value = String(span.attributes[key]);
        expect(value.length).toBeLessThanOrEqual(MAX_SHORT_TEXT_LENGTH);
        expect(value.startsWith("[R] v")).toBe(true);
      }
      const properties = String(span.attributes[ATTR_MCPCAT_PROPERTIES]);
      expect(properties.length).toBeLessThanOrEqual(MAX);
      expect(properties).toContain('"secret":"[R]"');
    });

    it("the mcpcat:identify span carries the same bounded, redacted data", async () => {
      const { client: other } = await connectInMemory(buildServer());
      await waitFor(() => spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME).length > 0, "identify");
      const span = spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME)[0]!;
      const data = String(span.attributes[ATTR_MCPCAT_IDENTIFY_DATA]);
      expect(data.length).toBeLessThanOrEqual(MAX);
      expect(data).not.toContain(SECRET);
      const event = spanToEvent(span, { projectId: "p" })!;
      expect(event.identifyData).toMatchObject({ truncated: true });
      await other.close();
    });

    it("mcp.resource.uri is redacted and bounded; the span name never carries it", async () => {
      const uri = `users://${SECRET}${"u".repeat(5000)}`;
      await client.readResource({ uri }).catch(() => undefined);
      await waitFor(() => mcpSpans(exporter).length === 1, "the span");
      const span = mcpSpans(exporter)[0]!;
      const recorded = String(span.attributes[ATTR_MCP_RESOURCE_URI]);
      expect(recorded.startsWith("users://[R]u")).toBe(true);
      expect(recorded.length).toBe(MAX_SHORT_TEXT_LENGTH);
      expect(span.name).toBe("resources/read");
      const event = spanToEvent(span, { projectId: "p" })!;
      expect(event.resourceName).toBe(recorded);
    });
  });
}

describe("without redact", () => {
  it("a long resource URI is still bounded", async () => {
    instrumentation.setConfig({});
    await client.readResource({ uri: `users://${"u".repeat(5000)}` }).catch(() => undefined);
    await waitFor(() => mcpSpans(exporter).length === 1, "the span");
    expect(String(mcpSpans(exporter)[0]!.attributes[ATTR_MCP_RESOURCE_URI]).length).toBe(
      MAX_SHORT_TEXT_LENGTH,
    );
  });
});

describe("a method name chosen by the caller", () => {
  it("is bounded in the span name, mcp.method.name and the metric, on both sides", async () => {
    instrumentation.setConfig({});
    const metrics = freshMetrics(instrumentation);
    const method = `x/${"m".repeat(100_000)}`;
    await expect(client.request({ method }, z.object({}))).rejects.toThrow();
    await waitFor(() => mcpSpans(exporter).length === 1, "the SERVER span");
    await waitFor(() => clientSpans(exporter).length === 1, "the CLIENT span");
    for (const span of [...mcpSpans(exporter), ...clientSpans(exporter)]) {
      expect(span.name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(String(span.attributes[ATTR_MCP_METHOD_NAME]).length).toBeLessThanOrEqual(
        MAX_NAME_LENGTH,
      );
    }
    for (const name of ["mcp.server.operation.duration", "mcp.client.operation.duration"]) {
      const points = (await metrics.histogram(name))?.dataPoints ?? [];
      expect(points).toHaveLength(1);
      expect(String(points[0]!.attributes[ATTR_MCP_METHOD_NAME]).length).toBeLessThanOrEqual(
        MAX_NAME_LENGTH,
      );
    }
  });
});
