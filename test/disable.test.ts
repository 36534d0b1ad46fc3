/*
 * disable() leaves the SDK as it found it: every member this package patched is the SDK's own
 * again (the Protocol's methods, and on live connections `transport.send`, `_enqueueTaskMessage`
 * and an awaited request's `_responseHandlers` entry), and nothing makes a span any more.
 * enable() then traces the same live connections again.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { isWrapped } from "@opentelemetry/instrumentation";
import { afterAll, expect, it } from "vitest";
import { mcpSpans, setupTracing, waitFor } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing({ captureNotifications: true });
afterAll(() => instrumentation.enable());

const PROTOTYPE_MEMBERS = [
  "_onrequest",
  "_oncancel",
  "_onclose",
  "request",
  "_onnotification",
  "notification",
] as const;

/** A server with the SDK's experimental tasks, a tool that waits for `release`, and a client. */
async function liveConnection() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = new McpServer(
    { name: "live", version: "1" },
    {
      capabilities: { tools: {}, logging: {} },
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: new InMemoryTaskMessageQueue(),
    },
  );
  server.registerTool("wait", {}, async () => {
    await released;
    return { content: [{ type: "text", text: "released" }] };
  });
  server.registerTool("quick", {}, async () => ({ content: [{ type: "text", text: "done" }] }));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "c", version: "1" });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return { server, client, serverTransport, release };
}

it("after disable(), every patched member is the SDK's own again, and no span is made", async () => {
  const prototype = Protocol.prototype as unknown as Record<string, unknown>;
  expect(PROTOTYPE_MEMBERS.map((name) => isWrapped(prototype[name]))).toEqual(
    PROTOTYPE_MEMBERS.map(() => true),
  );
  const { server, client, serverTransport, release } = await liveConnection();
  expect(Object.hasOwn(serverTransport, "send")).toBe(true); // patched at the first request

  // A task-related request: its protocol's _enqueueTaskMessage is patched.
  await client
    .request(
      {
        method: "tools/call",
        params: {
          name: "quick",
          arguments: {},
          _meta: { "io.modelcontextprotocol/related-task": { taskId: "task-1" } },
        },
      } as never,
      { parse: (value: unknown) => value } as never,
      { timeout: 200 },
    )
    .catch(() => {}); // its response is queued for tasks/result: the client times out
  expect(Object.hasOwn(server.server, "_enqueueTaskMessage")).toBe(true);

  // A request in flight: its _responseHandlers entry is ours; remember the SDK's own.
  const handlers = (client as unknown as { _responseHandlers: Map<number, unknown> })
    ._responseHandlers;
  const sdkHandlers = new Map<number, unknown>();
  const set = handlers.set;
  handlers.set = function (this: Map<number, unknown>, id: number, handler: unknown) {
    if (!sdkHandlers.has(id)) sdkHandlers.set(id, handler);
    return set.call(this, id, handler);
  };
  const inFlight = client.callTool({ name: "wait", arguments: {} });
  await waitFor(() => sdkHandlers.size === 1, "the request in flight");
  const [id, sdkHandler] = [...sdkHandlers][0]!;
  expect(handlers.get(id)).not.toBe(sdkHandler);

  instrumentation.disable();
  expect(PROTOTYPE_MEMBERS.filter((name) => isWrapped(prototype[name]))).toEqual([]);
  expect(Object.hasOwn(serverTransport, "send")).toBe(false);
  expect(serverTransport.send).toBe(InMemoryTransport.prototype.send);
  expect(Object.hasOwn(server.server, "_enqueueTaskMessage")).toBe(false);
  expect(handlers.get(id)).toBe(sdkHandler);

  release();
  await inFlight;
  exporter.reset();
  await client.callTool({ name: "quick", arguments: {} });
  await server.server.sendLoggingMessage({ level: "info", data: "after disable" });
  expect(exporter.getFinishedSpans()).toEqual([]);

  // enable() traces the same live connection again.
  instrumentation.enable();
  await client.callTool({ name: "quick", arguments: {} });
  await waitFor(() => mcpSpans(exporter).length === 1, "a SERVER span after enable()");
  expect(mcpSpans(exporter)[0]!.name).toBe("tools/call quick");
  await client.close();
});

it("disable() leaves alone a member the app replaced after us, and a transport whose send is read-only is traced to its close", async () => {
  instrumentation.enable();
  const { server, client, serverTransport, release } = await liveConnection();
  release();
  // The app wraps the transport's send after we did: disable() must not undo the app's wrapper.
  const ours = serverTransport.send;
  const appSend = function send(this: unknown, ...args: Parameters<typeof ours>) {
    return ours.apply(this, args);
  };
  serverTransport.send = appSend;
  instrumentation.disable();
  expect(serverTransport.send).toBe(appSend);
  instrumentation.enable();
  await client.close();
  await server.close();

  // A transport whose send cannot be replaced: no throw, and its span ends at close.
  exporter.reset();
  const [clientTransport, frozen] = InMemoryTransport.createLinkedPair();
  const other = new McpServer({ name: "frozen", version: "1" }, { capabilities: { tools: {} } });
  other.registerTool("quick", {}, async () => ({ content: [{ type: "text", text: "done" }] }));
  await other.connect(frozen);
  Object.defineProperty(frozen, "send", { value: frozen.send, writable: false });
  const raw: unknown[] = [];
  clientTransport.onmessage = (message) => void raw.push(message);
  await clientTransport.start();
  await clientTransport.send({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "quick", arguments: {} },
  });
  await waitFor(() => raw.length === 1, "the answer");
  await clientTransport.close();
  await waitFor(() => mcpSpans(exporter).length === 1, "the span, ended at close");
  expect(mcpSpans(exporter)[0]!.status.message).toMatch(/connection closed/);
});
