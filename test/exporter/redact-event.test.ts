import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MCPCatEvent } from "../../src/exporter/event.js";
import type { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import type { MCPCatExporterOptions } from "../../src/exporter/options.js";
import {
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
} from "../../src/semconv.js";
import { captureDiag } from "../helpers/diag.js";
import { exporterFor, trackUnhandled } from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { SpanFactory } from "../helpers/spans.js";

// redactEvent: the user's hook over each whole event, before it is sent to the AgentCat API.
const factory = new SpanFactory();
const logs = captureDiag();
let api: FakeMcpcatApi;
let unhandled: ReturnType<typeof trackUnhandled>;
const exporters: MCPCatExporter[] = [];
function make(options: MCPCatExporterOptions): MCPCatExporter {
  const exporter = exporterFor(api.url, options);
  exporters.push(exporter);
  return exporter;
}

beforeEach(async () => {
  api = await new FakeMcpcatApi().start();
  unhandled = trackUnhandled();
  logs.clear();
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await api.close();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(api.violations).toEqual([]);
});
afterAll(() => factory.shutdown());

/** A tools/call span of `tool`, in session `s-1`, with a captured result. */
function toolCall(tool: string) {
  return factory.make({
    attributes: {
      [ATTR_MCP_METHOD_NAME]: "tools/call",
      [ATTR_GEN_AI_TOOL_NAME]: tool,
      [ATTR_MCP_SESSION_ID]: "s-1",
      [ATTR_GEN_AI_TOOL_CALL_RESULT]: JSON.stringify({
        content: [{ type: "text", text: "secret" }],
      }),
    },
  });
}

async function exportAll(exporter: MCPCatExporter, tools: string[]): Promise<void> {
  exporter.export(tools.map(toolCall), () => {});
  await exporter.forceFlush();
}

describe("MCPCatExporter redactEvent", () => {
  it("drops the events it returns null for (by tool name), sends the rest", async () => {
    const exporter = make({
      redactEvent: (event) => (event.resourceName === "internal-admin" ? null : event),
    });
    await exportAll(exporter, ["search", "internal-admin", "fetch"]);
    expect(api.events.map((e) => e.resourceName)).toEqual(["search", "fetch"]);
    expect(exporter.getStats()).toMatchObject({ sent: 2, droppedByRedactEvent: 1, pending: 0 });
  });

  it("an async hook strips the response; the event is sent without it", async () => {
    const exporter = make({
      redactEvent: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const { response: _response, ...rest } = event;
        return rest as MCPCatEvent;
      },
    });
    await exportAll(exporter, ["search"]);
    expect(api.events).toHaveLength(1);
    expect(api.events[0]!.response).toBeUndefined();
    expect(api.accepted.values().next().value).not.toHaveProperty("response");
  });

  it("cannot change id, sessionId, projectId, eventType or timestamp; other fields change", async () => {
    const seen: MCPCatEvent[] = [];
    const exporter = make({
      redactEvent: (event) => {
        seen.push(structuredClone(event));
        return {
          ...event,
          id: "evt_forged",
          sessionId: "someone-else",
          projectId: "proj_other",
          eventType: "mcp:ping",
          timestamp: new Date(0),
          resourceName: "renamed",
          userIntent: "x".repeat(100_000),
        };
      },
    });
    await exportAll(exporter, ["search"]);
    const [event] = api.events;
    expect(event).toMatchObject({
      id: seen[0]!.id,
      sessionId: "s-1",
      projectId: "proj_test",
      eventType: "mcp:tools/call",
      resourceName: "renamed",
    });
    expect(event!.timestamp!.getTime()).toBe(seen[0]!.timestamp!.getTime());
    // What the hook adds is bounded too.
    expect(event!.userIntent!.length).toBe(32_768);
  });

  it("a hook that throws, rejects or returns a non-event drops that event, said so", async () => {
    let n = 0;
    const exporter = make({
      redactEvent: (event) => {
        n++;
        if (event.resourceName === "throws") throw new Error("hook broke");
        if (event.resourceName === "rejects") return Promise.reject(new Error("hook rejected"));
        if (event.resourceName === "number") return 42 as unknown as MCPCatEvent;
        return event;
      },
    });
    await exportAll(exporter, ["throws", "rejects", "number", "fine"]);
    expect(n).toBe(4);
    expect(api.events.map((e) => e.resourceName)).toEqual(["fine"]);
    expect(exporter.getStats()).toMatchObject({ droppedRedactEventFailed: 3, sent: 1 });
    const warnings = logs.warnings().join("\n");
    expect(warnings).toMatch(/redactEvent threw: hook broke/);
    expect(warnings).toMatch(/redactEvent rejected: hook rejected/);
    expect(warnings).toMatch(/redactEvent returned number/);
  });

  it("a hook that never settles drops the event at the exporter's deadline; flush waits for it", async () => {
    const exporter = make({
      timeoutMillis: 150,
      redactEvent: (event) =>
        event.resourceName === "hangs" ? new Promise<MCPCatEvent>(() => {}) : event,
    });
    exporter.export([toolCall("hangs"), toolCall("fine")], () => {});
    expect(exporter.getStats().pending).toBeGreaterThanOrEqual(1);
    const started = Date.now();
    await exporter.forceFlush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(api.events.map((e) => e.resourceName)).toEqual(["fine"]);
    expect(exporter.getStats()).toMatchObject({ droppedRedactEventFailed: 1, pending: 0 });
    expect(logs.warnings().join("\n")).toMatch(/redactEvent did not settle within 150 ms/);
  });

  it("a throw or rejection that cannot be turned into text still drops only that event", async () => {
    // `String(Object.create(null))` throws: the reason must not, nor become an unhandled rejection.
    const exporter = make({
      redactEvent: (event) => {
        if (event.resourceName === "throws") throw Object.create(null);
        if (event.resourceName === "rejects") return Promise.reject(Object.create(null));
        return event;
      },
    });
    await exportAll(exporter, ["throws", "rejects", "fine"]);
    expect(api.events.map((e) => e.resourceName)).toEqual(["fine"]);
    expect(exporter.getStats()).toMatchObject({ droppedRedactEventFailed: 2, droppedFailed: 0 });
    expect(logs.warnings().join("\n")).toMatch(/redactEvent rejected: .*the event is dropped/);
  });

  it("what the hook returns is read once: getters, toJSON and __proto__ cannot grow it later", async () => {
    let reads = 0;
    const huge = "y".repeat(1_000_000);
    const exporter = make({
      redactEvent: (event) => {
        const parameters = {
          // Short when the bound measures it, huge when the body is serialised.
          get note() {
            return reads++ === 0 ? "short" : huge;
          },
        };
        const properties = { toJSON: () => (reads++ < 2 ? {} : { huge }) };
        const answer = JSON.parse('{"__proto__": {"userIntent": "from the prototype"}}');
        const { userIntent: _intent, ...rest } = event;
        return Object.assign(answer, { ...rest, parameters, properties });
      },
    });
    await exportAll(exporter, ["search"]);
    const body = api.accepted.values().next().value as Record<string, unknown>;
    expect(JSON.stringify(body).length).toBeLessThan(10_000);
    expect(body.parameters).toEqual({ note: "short" });
    expect(body.properties).toEqual({});
    expect(body.user_intent).toBeUndefined();
  });

  it("the hook gets a copy: changing it in place and returning it works", async () => {
    const exporter = make({
      redactEvent: (event) => {
        event.tags = { redacted: "yes" };
        return event;
      },
    });
    await exportAll(exporter, ["search"]);
    expect(api.events[0]!.tags).toEqual({ redacted: "yes" });
  });
});
