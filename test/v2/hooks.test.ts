import { createRequire } from "node:module";
import * as clientEsm from "@modelcontextprotocol/client";
import * as serverEsm from "@modelcontextprotocol/server";
import { SpanKind } from "@opentelemetry/api";
import { isWrapped } from "@opentelemetry/instrumentation";
import { describe, expect, it } from "vitest";
import { clientPrototypeOf, protocolOf } from "../../src/reach/generations.js";
import { requestInfoOf } from "../../src/request-info.js";
import { mcpSpans, setupTracing } from "../helpers/tracing.js";
import { buildV2Server, connectV2InMemory, withNotifyTool } from "./helpers.js";

const { exporter, instrumentation } = setupTracing();
const require = createRequire(import.meta.url);
// Required after the instrumentation is enabled: the require-in-the-middle hook patches these.
const serverCjs = require("@modelcontextprotocol/server");
const clientCjs = require("@modelcontextprotocol/client");

const roots = [
  ["server ESM", serverEsm],
  ["server CommonJS", serverCjs],
  ["client ESM", clientEsm],
  ["client CommonJS", clientCjs],
] as const;

describe("SDK v2: four Protocol classes, each reached through its package's root exports", () => {
  it("they are four distinct classes, and every one is patched", () => {
    const classes = new Set(roots.map(([, exports]) => exports.Protocol));
    expect(classes.size).toBe(4);
    for (const [, exports] of roots) {
      const prototype = exports.Protocol.prototype as unknown as Record<string, unknown>;
      expect(isWrapped(prototype._onrequest)).toBe(true);
      expect(isWrapped(prototype._requestWithSchemaViaCodec)).toBe(true);
      expect(isWrapped(prototype._oncancel)).toBe(true);
      expect(isWrapped(prototype._onclose)).toBe(true);
      // request() funnels into _requestWithSchemaViaCodec: wrapping both would make two spans.
      expect(isWrapped(prototype.request)).toBe(false);
    }
    expect(isWrapped(clientEsm.Client.prototype.listen)).toBe(true);
    expect(isWrapped(clientCjs.Client.prototype.listen)).toBe(true);
  });

  it("protocolOf (what every reach path hands over) finds Protocol, or the base class of Server", () => {
    const handed = [serverEsm, { Server: serverCjs.Server }, clientCjs].map(protocolOf);
    expect(handed).toEqual([serverEsm.Protocol, serverCjs.Protocol, clientCjs.Protocol]);
    for (const junk of [null, undefined, 42, "x", {}, { Server: 1 }])
      expect(protocolOf(junk)).toBeUndefined();
    expect(protocolOf({ Client: clientEsm.Client })).toBe(clientEsm.Protocol);
    // The Client whose listen is wrapped: only one built on that very Protocol.
    expect(clientPrototypeOf(clientCjs, clientCjs.Protocol)).toBe(clientCjs.Client.prototype);
    expect(clientPrototypeOf(clientCjs, clientEsm.Protocol)).toBeUndefined();
  });

  it("disable() unwraps all of them; enable() patches them again", async () => {
    instrumentation.disable();
    try {
      for (const [, exports] of roots) {
        expect(isWrapped((exports.Protocol.prototype as { _onrequest?: unknown })._onrequest)).toBe(
          false,
        );
      }
      expect(isWrapped(clientEsm.Client.prototype.listen)).toBe(false);
      exporter.reset();
      const { client } = await connectV2InMemory(buildV2Server());
      await client.listTools();
      await client.close();
      expect(mcpSpans(exporter)).toHaveLength(0);
    } finally {
      instrumentation.enable();
    }
    for (const [, exports] of roots) {
      expect(isWrapped((exports.Protocol.prototype as { _onrequest?: unknown })._onrequest)).toBe(
        true,
      );
    }
    const { client } = await connectV2InMemory(buildV2Server());
    await client.listTools();
    await client.close();
    expect(mcpSpans(exporter).map((span) => span.name)).toEqual(["initialize", "tools/list"]);
  });
});

describe("requestInfoOf: v1's requestInfo over a web Request", () => {
  it("copies the headers into a plain object on first read only, once", () => {
    const request = new Request("http://127.0.0.1:9/mcp?x=1", { headers: { "X-User": "ada" } });
    const info = requestInfoOf(request);
    request.headers.set("x-late", "1"); // before the first read: part of the copy
    expect(info.headers).toEqual({ "x-user": "ada", "x-late": "1" });
    expect(info.headers).toBe(info.headers);
    expect(info.url?.searchParams.get("x")).toBe("1");
  });
});

describe("SDK v2 _onnotification: the wrapper hands on everything the SDK passes", () => {
  it.each([false, true])(
    "its transport's extra (the era classification) reaches the SDK (captureNotifications %s)",
    async (captureNotifications) => {
      instrumentation.setConfig({ captureNotifications });
      try {
        const server = buildV2Server();
        const { client } = await connectV2InMemory(server);
        const errors: Error[] = [];
        server.server.onerror = (error) => errors.push(error);
        // What a per-request HTTP transport hands over: a modern classification, here on a
        // legacy-era instance, which the SDK refuses (and reports) instead of dispatching.
        const raw = { jsonrpc: "2.0", method: "notifications/roots/list_changed" };
        const onnotification = (
          server.server as unknown as { _onnotification(n: unknown, extra: unknown): void }
        )._onnotification;
        onnotification.call(server.server, raw, { classification: { era: "modern" } });
        await client.close();
        expect(errors.map((error) => error.message)).toEqual([
          expect.stringMatching(/^Era mismatch on inbound notification/),
        ]);
      } finally {
        instrumentation.setConfig({});
      }
    },
  );
});

describe("SDK v2 notifications sent (captureNotifications)", () => {
  it("one CLIENT span per notification, sent directly or from a handler (ctx.mcpReq.notify)", async () => {
    instrumentation.setConfig({ captureNotifications: true });
    try {
      const server = withNotifyTool(buildV2Server());
      const { client } = await connectV2InMemory(server);
      exporter.reset();
      await server.server.sendLoggingMessage({ level: "info", data: "direct" });
      await client.callTool({ name: "notify", arguments: {} });
      await client.close();
      const sent = exporter
        .getFinishedSpans()
        .filter((span) => span.name === "notifications/message" && span.kind === SpanKind.CLIENT);
      expect(sent).toHaveLength(2);
      // The handler's notification is a child of its request's SERVER span.
      const tool = mcpSpans(exporter).find((span) => span.name === "tools/call notify")!;
      expect(
        sent.filter((span) => span.parentSpanContext?.spanId === tool.spanContext().spanId),
      ).toHaveLength(1);
    } finally {
      instrumentation.setConfig({});
    }
  });
});
