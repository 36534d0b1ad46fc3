import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import { ATTR_MCP_SESSION_ID } from "../../src/semconv.js";
import { httpClient, statefulServer } from "../helpers/http.js";
import { buildServer } from "../helpers/servers.js";
import { clientSpans, mcpSpans, setupTracing, waitFor } from "../helpers/tracing.js";

// Mcp-Session-Id lets whoever holds it act in the session: by default it leaves the process
// only as a keyed hash.
const { exporter, instrumentation } = setupTracing();
const closers: (() => Promise<unknown>)[] = [];
beforeEach(() => exporter.reset());
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function twoSessions() {
  const http = await statefulServer(() => buildServer());
  closers.push(() => http.close());
  const a = await httpClient(http.url);
  const b = await httpClient(http.url);
  closers.push(
    () => a.client.close(),
    () => b.client.close(),
  );
  await a.client.callTool({ name: "echo", arguments: { text: "a" } });
  await b.client.callTool({ name: "echo", arguments: { text: "b" } });
  await a.client.callTool({ name: "echo", arguments: { text: "a" } });
  await waitFor(() => mcpSpans(exporter).length === 5, "5 SERVER spans");
  return { a: a.transport.sessionId!, b: b.transport.sessionId! };
}

function sessionIds() {
  return new Set(
    [...mcpSpans(exporter), ...clientSpans(exporter)]
      .map((s) => s.attributes[ATTR_MCP_SESSION_ID])
      .filter((id) => id !== undefined),
  );
}

function everything(): string {
  return JSON.stringify(
    exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      event: spanToEvent(s, { projectId: "p" }),
    })),
  );
}

describe("mcp.session.id of a Streamable HTTP session", () => {
  it("by default: a keyed hash, one per session, the same on both sides; the raw id nowhere", async () => {
    instrumentation.setConfig({});
    const { a, b } = await twoSessions();
    const ids = sessionIds();
    expect(ids.size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    const text = everything();
    expect(text).not.toContain(a);
    expect(text).not.toContain(b);
  });

  it("with sessionIdKey: HMAC-SHA-256(key, Mcp-Session-Id), the same on every replica", async () => {
    instrumentation.setConfig({ sessionIdKey: "replica-secret" });
    const { a, b } = await twoSessions();
    const hash = (raw: string) =>
      createHmac("sha256", "replica-secret").update(raw).digest("hex").slice(0, 32);
    expect(sessionIds()).toEqual(new Set([hash(a), hash(b)]));
  });

  it('sessionIdExport "raw": the Mcp-Session-Id itself, as the conventions define it', async () => {
    instrumentation.setConfig({ sessionIdExport: "raw" });
    const { a, b } = await twoSessions();
    expect(sessionIds()).toEqual(new Set([a, b]));
  });
});

describe("mcp.session.id of a notification span (captureNotifications)", () => {
  it("is the same keyed hash as the request spans of its session; the raw id nowhere", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    const http = await statefulServer(() => buildServer());
    closers.push(() => http.close());
    const a = await httpClient(http.url);
    closers.push(() => a.client.close());
    await a.client.callTool({ name: "echo", arguments: { text: "a" } });
    const raw = a.transport.sessionId!;
    const notifications = () =>
      exporter
        .getFinishedSpans()
        .filter((s) => s.attributes["mcp.method.name"] === "notifications/initialized");
    await waitFor(() => notifications().length >= 1, "notifications/initialized spans");
    const requests = () =>
      [...mcpSpans(exporter), ...clientSpans(exporter)].filter(
        (s) => "jsonrpc.request.id" in s.attributes,
      );
    await waitFor(() => requests().length === 4, "2 SERVER and 2 CLIENT request spans");
    const withId = notifications().filter((s) => s.attributes[ATTR_MCP_SESSION_ID] !== undefined);
    expect(withId.length).toBeGreaterThan(0);
    const requestIds = new Set(
      requests()
        .map((s) => s.attributes[ATTR_MCP_SESSION_ID])
        .filter((id) => id !== undefined),
    );
    expect(requestIds.size).toBe(1);
    for (const span of withId) {
      expect(requestIds.has(span.attributes[ATTR_MCP_SESSION_ID] as string)).toBe(true);
    }
    expect(everything()).not.toContain(raw);
  });
});
