import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { McpInstrumentationConfig } from "../../src/config.js";
import {
  DEFAULT_MAX_CONTENT_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  MAX_NAME_LENGTH,
} from "../../src/content.js";
import { statelessServer } from "../helpers/http.js";
import { buildServer } from "../helpers/servers.js";
import { setupTracing } from "../helpers/tracing.js";

// A corpus of bad input, each sent through real transports twice: with the instrumentation
// off, then on (with hostile user callbacks). The MCP responses must be the same, and every
// span well-formed and bounded.
const { exporter, instrumentation } = setupTracing();
afterAll(() => instrumentation.disable());

const deep = (depth: number) => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
};
const protoKeyed = JSON.parse(
  '{"__proto__": {"polluted": true}, "text": "proto", "constructor": 1}',
);
const call = (args: unknown, name = "echo") => ({ name, arguments: args });

/** [label, method, params, id]: each becomes one request. */
const CORPUS: [string, string, unknown, JSONRPCMessage["id" & keyof JSONRPCMessage] | unknown][] = [
  ["1 MB argument and result", "tools/call", call({ text: "a".repeat(1_000_000) }), 1],
  ["deeply nested arguments", "tools/call", call({ text: "x", deep: deep(5000) }), 2],
  ["binary text", "tools/call", call({ text: "\u0000\u0001\u00ff\ufffe\u001b[31m" }), 3],
  ["invalid UTF-16 (lone surrogates)", "tools/call", call({ text: "\ud800 a \udc00 b \ud83d" }), 4],
  ["__proto__ and constructor keys", "tools/call", call(protoKeyed), 5],
  ["a 100 KB tool name", "tools/call", call({}, "t".repeat(100_000)), 6],
  ["id 0", "tools/list", {}, 0],
  ["id -1", "tools/list", {}, -1],
  ["id 1.5", "tools/list", {}, 1.5],
  ["id beyond 2^53", "tools/list", {}, 2 ** 53 + 2],
  ["id empty string", "tools/list", {}, ""],
  ["id a 100 KB string", "tools/list", {}, "i".repeat(100_000)],
  ["_meta a string", "tools/list", { _meta: "junk" }, 7],
  ["_meta an array", "tools/list", { _meta: [1, 2] }, 8],
  [
    "_meta a huge traceparent",
    "tools/list",
    { _meta: { traceparent: `00-${"f".repeat(100_000)}` } },
    9,
  ],
  ["_meta with __proto__", "tools/list", { _meta: JSON.parse('{"__proto__":{"x":1}}') }, 10],
  ["resource URI of 100 KB", "resources/read", { uri: `users://${"u".repeat(100_000)}` }, 11],
  ["unknown method", "no/such", {}, 12],
  [
    "prompt with hostile arguments",
    "prompts/get",
    { name: "greet", arguments: { who: "\ud800" } },
    13,
  ],
];

/** Callbacks that do their worst. */
const HOSTILE: McpInstrumentationConfig = {
  captureContent: true,
  identify: () =>
    new Proxy(
      {},
      {
        get(_target, key) {
          if (key === "userId") return "u";
          if (key === "userData") return { big: "d".repeat(1_000_000), self: undefined };
          throw new Error("hostile getter");
        },
      },
    ) as never,
  redact: (text) => (text.length % 7 === 0 ? (42 as never) : `${text}${text}`),
  eventTags: () => ({ a: "b".repeat(1_000_000), ["k".repeat(10_000)]: "v" }),
  eventProperties: () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    return cyclic;
  },
  requestHook: (span) => {
    span.setAttribute("hook.set", "x");
    throw new Error("requestHook throws");
  },
  responseHook: (() => Promise.reject(new Error("responseHook rejects"))) as never,
};

async function inMemoryReplies(): Promise<Map<string, unknown>> {
  const [peer, serverSide] = InMemoryTransport.createLinkedPair();
  await buildServer().connect(serverSide);
  const replies = new Map<string, unknown>();
  peer.onmessage = (message) => {
    if ("id" in message) replies.set(JSON.stringify(message.id), message);
  };
  await peer.start();
  for (const [, method, params, id] of CORPUS) {
    await peer.send({ jsonrpc: "2.0", id, method, params } as JSONRPCMessage);
  }
  // Some of the corpus gets no reply at all (the SDK drops what its schema rejects): wait
  // until the replies stop coming.
  let seen = -1;
  while (seen !== replies.size) {
    seen = replies.size;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await peer.close();
  return replies;
}

async function httpReplies(): Promise<unknown[]> {
  const http = await statelessServer(() => buildServer());
  const post = async (body: unknown) => {
    const response = await fetch(http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  };
  // Over HTTP the request is JSON text: the deeply nested one cannot even be written.
  const requests = CORPUS.filter(([, , params]) => params !== CORPUS[1]![2]).map(
    ([, method, params, id]) => ({ jsonrpc: "2.0", id, method, params }),
  );
  const replies = [];
  for (const request of requests) replies.push(await post(request));
  // A batch, ids reused inside it.
  replies.push(await post([requests[6], requests[6], requests[2]]));
  await http.close();
  return replies;
}

function expectWellFormed(span: ReadableSpan) {
  expect(span.ended).toBe(true);
  expect(span.name.length).toBeLessThanOrEqual(32 + MAX_NAME_LENGTH);
  for (const [key, value] of Object.entries(span.attributes)) {
    expect(key.length, key).toBeLessThanOrEqual(2048);
    if (typeof value === "string") {
      expect(value.length, key).toBeLessThanOrEqual(DEFAULT_MAX_CONTENT_LENGTH);
    }
  }
  expect(span.status.message?.length ?? 0).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
  for (const event of span.events) {
    for (const value of Object.values(event.attributes ?? {})) {
      expect(String(value).length).toBeLessThanOrEqual(MAX_ERROR_STACK_LENGTH);
    }
  }
}

describe("the bad-input corpus through real transports", () => {
  let plain: { memory: Map<string, unknown>; http: unknown[] };
  let instrumented: { memory: Map<string, unknown>; http: unknown[] };
  beforeAll(async () => {
    instrumentation.disable();
    plain = { memory: await inMemoryReplies(), http: await httpReplies() };
    instrumentation.setConfig(HOSTILE);
    instrumentation.enable();
    exporter.reset();
    instrumented = { memory: await inMemoryReplies(), http: await httpReplies() };
  }, 60_000);

  it("was traced (the instrumentation was on)", () => {
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(CORPUS.length);
  });

  it("in memory: every response is the same as without instrumentation", () => {
    expect(instrumented.memory.size).toBe(plain.memory.size);
    expect(plain.memory.size).toBeGreaterThan(CORPUS.length / 2);
    for (const [id, reply] of plain.memory) expect(instrumented.memory.get(id), id).toEqual(reply);
  });

  it("stateless HTTP, a batch included: the same responses", () => {
    expect(instrumented.http).toEqual(plain.http);
  });

  it("every span is ended, well-formed and bounded", async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spans = exporter.getFinishedSpans();
    for (const span of spans) expectWellFormed(span);
    const ids = new Set(spans.map((s) => s.attributes["jsonrpc.request.id"]));
    // Every request answered in the in-memory run has a span (ids bounded as recorded).
    for (const id of plain.memory.keys()) {
      expect(ids.has(String(JSON.parse(id)).slice(0, MAX_NAME_LENGTH)), id).toBe(true);
    }
  });
});
