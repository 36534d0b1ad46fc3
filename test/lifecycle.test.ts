import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { isWrapped } from "@opentelemetry/instrumentation";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const echo = { name: "echo", arguments: { text: "x" } };
afterAll(() => instrumentation.enable());
beforeEach(() => exporter.reset());

async function spansForOneCall() {
  const { client } = await connectInMemory(buildServer());
  exporter.reset();
  await client.callTool(echo);
  await client.close();
  return mcpSpans(exporter).length;
}

describe("enable / disable", () => {
  it("is enabled on construction", async () => {
    expect(instrumentation.isEnabled()).toBe(true);
    expect(await spansForOneCall()).toBe(1);
  });

  it("disable() stops spans, for new and already connected servers", async () => {
    const connected = await connectInMemory(buildServer());
    const prototype = Protocol.prototype as unknown as Record<string, unknown>;
    const wrapped = ["_onrequest", "_oncancel", "_onclose"];
    expect(wrapped.map((name) => isWrapped(prototype[name]))).toEqual([true, true, true]);
    instrumentation.disable();
    expect(wrapped.map((name) => isWrapped(prototype[name]))).toEqual([false, false, false]);
    expect(await spansForOneCall()).toBe(0);
    exporter.reset();
    const result = await connected.client.callTool(echo);
    expect(result.content).toEqual([{ type: "text", text: "x" }]);
    expect(mcpSpans(exporter)).toHaveLength(0);
    await connected.client.close();
  });

  it("enable() after disable() brings them back, and enabling twice does not double them", async () => {
    instrumentation.enable();
    instrumentation.enable();
    expect(await spansForOneCall()).toBe(1);
    instrumentation.disable();
    instrumentation.enable();
    instrumentation.enable();
    expect(await spansForOneCall()).toBe(1);
  });
});
