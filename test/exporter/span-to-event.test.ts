import { createHash } from "node:crypto";
import * as agentcat from "agentcat-api";
import * as mcpcat from "mcpcat-api";
import { afterAll, describe, expect, it } from "vitest";
import type { MCPCatEvent } from "../../src/exporter/event.js";
import { eventId } from "../../src/exporter/event-id.js";
import { toRequestBody, toRequestBodyGeneric } from "../../src/exporter/request-body.js";
import { spanToEvent } from "../../src/exporter/span-to-event.js";
import { type ApiVocabulary, VOCABULARIES } from "../../src/exporter/vocabulary.js";
import * as sc from "../../src/semconv.js";
import { PACKAGE_VERSION } from "../../src/version.js";
import { SpanFactory, SpanKind, SpanStatusCode } from "../helpers/spans.js";

const spans = new SpanFactory();
afterAll(() => spans.shutdown());
const opts = { projectId: "proj_test" };
const START = Date.UTC(2026, 10, 25, 12, 0, 0, 250);
/** Each API's generated model: its event type enum and its (de)serializers. */
const MODELS = {
  agentcat: {
    enum: new Set<string>(Object.values(agentcat.PublishEventRequestEventTypeEnum)),
    toJSON: agentcat.PublishEventRequestToJSON,
    fromJSON: agentcat.PublishEventRequestFromJSON,
  },
  mcpcat: {
    enum: new Set<string>(Object.values(mcpcat.PublishEventRequestEventTypeEnum)),
    toJSON: mcpcat.PublishEventRequestToJSON as (e: unknown) => unknown,
    fromJSON: mcpcat.PublishEventRequestFromJSON,
  },
};
const ENUM = MODELS.agentcat.enum;

const base = {
  [sc.ATTR_JSONRPC_REQUEST_ID]: "7",
  [sc.ATTR_MCP_PROTOCOL_VERSION]: "2025-06-18",
  [sc.ATTR_NETWORK_TRANSPORT]: "tcp",
  [sc.ATTR_MCPCAT_SERVER_NAME]: "demo-server",
  [sc.ATTR_MCPCAT_SERVER_VERSION]: "1.2.3",
  [sc.ATTR_MCPCAT_CLIENT_NAME]: "demo-client",
  [sc.ATTR_MCPCAT_CLIENT_VERSION]: "0.9.0",
};

/** Checks an event the way the API reads it: body through the generated model and back. */
function roundTrip(event: MCPCatEvent, vocabulary: ApiVocabulary = "agentcat"): void {
  const model = MODELS[vocabulary];
  expect(model.enum.has(String(event.eventType))).toBe(true);
  expect(event.id).toMatch(/^evt_[0-9A-Za-z]{27}$/);
  // The generated client's own serializer accepts it ...
  const generated = JSON.parse(JSON.stringify(model.toJSON(event as never)));
  expect(generated.event_type).toBe(event.eventType);
  // ... and what we put on the wire (snake_case only) decodes to the same event.
  const body = toRequestBody(event, VOCABULARIES[vocabulary]);
  // The fast path writes exactly what the generated serializer does, byte for byte.
  expect(body).toBe(toRequestBodyGeneric(event, VOCABULARIES[vocabulary]));
  const wire = JSON.parse(body);
  expect(Object.keys(wire).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  expect(wire.session_id).toBe(event.sessionId);
  // The version field of this API, and not the other's.
  const [mine, other] =
    vocabulary === "agentcat"
      ? ["agentcat_version", "mcpcat_version"]
      : ["mcpcat_version", "agentcat_version"];
  expect(typeof wire[mine]).toBe("string");
  expect(wire).not.toHaveProperty(other);
  const decoded = model.fromJSON(wire);
  for (const [key, value] of Object.entries(event)) {
    // agentcat-api decodes a null session_id as undefined (it is optional there).
    if (key === "sessionId" && value === null) expect(decoded[key] ?? null).toBeNull();
    else expect(decoded[key], key).toEqual(value);
  }
}

describe("spanToEvent", () => {
  it("maps a stateful tools/call with identity, content, intent, tags and properties", () => {
    const span = spans.make({
      name: "tools/call get_weather",
      startMs: START,
      durationMs: 41.6,
      attributes: {
        ...base,
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "get_weather",
        [sc.ATTR_GEN_AI_OPERATION_NAME]: "execute_tool",
        [sc.ATTR_MCP_SESSION_ID]: "sess-1",
        [sc.ATTR_USER_ID]: "u-42",
        [sc.ATTR_USER_NAME]: "Ada",
        [sc.ATTR_MCPCAT_IDENTIFY_DATA]: JSON.stringify({ plan: "pro" }),
        [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: JSON.stringify({ city: "Paris", context: "trip" }),
        [sc.ATTR_GEN_AI_TOOL_CALL_RESULT]: JSON.stringify({
          content: [{ type: "text", text: "sunny" }],
        }),
        [sc.ATTR_MCPCAT_USER_INTENT]: "trip",
        [`${sc.ATTR_MCPCAT_TAG_PREFIX}env`]: "prod",
        [`${sc.ATTR_MCPCAT_TAG_PREFIX}region`]: "eu",
        [sc.ATTR_MCPCAT_PROPERTIES]: JSON.stringify({ plan: { tier: 2 } }),
      },
    });
    const event = spanToEvent(span, opts);
    const { traceId, spanId } = span.spanContext();
    expect(event).toEqual({
      id: eventId(traceId, spanId, START),
      projectId: "proj_test",
      sessionId: "sess-1",
      eventType: "mcp:tools/call",
      timestamp: new Date(START),
      duration: 42,
      sdkLanguage: "TypeScript",
      agentcatVersion: `mcpcat-otel/${PACKAGE_VERSION}`,
      resourceName: "get_weather",
      serverName: "demo-server",
      serverVersion: "1.2.3",
      clientName: "demo-client",
      clientVersion: "0.9.0",
      identifyActorGivenId: "u-42",
      identifyActorName: "Ada",
      identifyData: { plan: "pro" },
      userIntent: "trip",
      parameters: {
        request: {
          method: "tools/call",
          params: { name: "get_weather", arguments: { city: "Paris", context: "trip" } },
        },
      },
      response: { content: [{ type: "text", text: "sunny" }] },
      tags: { env: "prod", region: "eu" },
      properties: { plan: { tier: 2 } },
    });
    roundTrip(event!);
  });

  it("sends sessionId null for a stateless span, and no identity or content when absent", () => {
    const span = spans.make({
      attributes: {
        ...base,
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "t",
      },
    });
    const event = spanToEvent(span, opts)!;
    expect(event.sessionId).toBeNull();
    expect(JSON.parse(toRequestBody(event))).toHaveProperty("session_id", null);
    for (const key of [
      "identifyActorGivenId",
      "identifyActorName",
      "identifyData",
      "parameters",
      "response",
      "userIntent",
      "isError",
      "error",
      "tags",
      "properties",
    ]) {
      expect(event, key).not.toHaveProperty(key);
    }
    roundTrip(event);
  });

  it("keeps each caller's identity on a stateless event", () => {
    const a = spanToEvent(
      spans.make({
        attributes: { [sc.ATTR_MCP_METHOD_NAME]: "tools/list", [sc.ATTR_USER_ID]: "alice" },
      }),
      opts,
    )!;
    const b = spanToEvent(
      spans.make({
        attributes: { [sc.ATTR_MCP_METHOD_NAME]: "tools/list", [sc.ATTR_USER_ID]: "bob" },
      }),
      opts,
    )!;
    expect([a.identifyActorGivenId, b.identifyActorGivenId]).toEqual(["alice", "bob"]);
    expect([a.sessionId, b.sessionId]).toEqual([null, null]);
  });

  const methods: [string, Record<string, string>, string | undefined][] = [
    ["initialize", {}, undefined],
    ["ping", {}, undefined],
    ["tools/list", {}, undefined],
    ["tools/call", { [sc.ATTR_GEN_AI_TOOL_NAME]: "add" }, "add"],
    ["prompts/list", {}, undefined],
    ["prompts/get", { [sc.ATTR_GEN_AI_PROMPT_NAME]: "greet" }, "greet"],
    ["resources/list", {}, undefined],
    ["resources/templates/list", {}, undefined],
    ["resources/read", { [sc.ATTR_MCP_RESOURCE_URI]: "file:///a.txt" }, "file:///a.txt"],
    ["resources/subscribe", { [sc.ATTR_MCP_RESOURCE_URI]: "file:///b" }, "file:///b"],
    ["resources/unsubscribe", { [sc.ATTR_MCP_RESOURCE_URI]: "file:///b" }, "file:///b"],
    ["completion/complete", {}, undefined],
    ["logging/setLevel", {}, undefined],
    ["tasks/get", {}, undefined],
    ["tasks/result", {}, undefined],
    ["tasks/list", {}, undefined],
    ["tasks/cancel", {}, undefined],
  ];
  for (const [method, extra, resourceName] of methods) {
    for (const stateful of [true, false]) {
      it(`maps ${method} (${stateful ? "stateful" : "stateless"})`, () => {
        const attributes: Record<string, string> = {
          ...base,
          ...extra,
          [sc.ATTR_MCP_METHOD_NAME]: method,
        };
        if (stateful) attributes[sc.ATTR_MCP_SESSION_ID] = "s-9";
        const event = spanToEvent(spans.make({ attributes }), opts)!;
        expect(event.eventType).toBe(`mcp:${method}`);
        expect(event.resourceName).toBe(resourceName);
        expect(event.sessionId).toBe(stateful ? "s-9" : null);
        roundTrip(event);
      });
    }
  }

  it("covers every event type of the agentcat-api enum", () => {
    const covered = new Set([...methods.map(([m]) => `mcp:${m}`), "agentcat:identify"]);
    expect([...ENUM].filter((t) => !covered.has(t))).toEqual([]);
  });

  it("maps an mcpcat:identify span to agentcat:identify", () => {
    const span = spans.make({
      name: sc.MCPCAT_IDENTIFY_SPAN_NAME,
      kind: SpanKind.INTERNAL,
      attributes: {
        [sc.ATTR_MCP_SESSION_ID]: "s-1",
        [sc.ATTR_USER_ID]: "u-1",
        [sc.ATTR_USER_NAME]: "Grace",
        [sc.ATTR_MCPCAT_IDENTIFY_DATA]: JSON.stringify({ team: "core" }),
        [sc.ATTR_MCPCAT_SERVER_NAME]: "srv",
      },
    });
    const event = spanToEvent(span, opts)!;
    expect(event).toMatchObject({
      eventType: "agentcat:identify",
      sessionId: "s-1",
      identifyActorGivenId: "u-1",
      identifyActorName: "Grace",
      identifyData: { team: "core" },
      serverName: "srv",
    });
    roundTrip(event);
  });

  it("maps a tool result with isError: the joined text as the message", () => {
    const span = spans.make({
      attributes: {
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "boom",
        [sc.ATTR_ERROR_TYPE]: sc.ERROR_TYPE_VALUE_TOOL_ERROR,
      },
      status: { code: SpanStatusCode.ERROR, message: "disk full\nretry later" },
    });
    const event = spanToEvent(span, opts)!;
    expect(event.isError).toBe(true);
    expect(event.error).toEqual({
      message: "disk full\nretry later",
      type: "tool_error",
      platform: "javascript",
    });
    roundTrip(event);
  });

  it("maps a handler exception with its type, message and stack", () => {
    const thrown = new TypeError("cannot read x");
    const span = spans.make({
      attributes: {
        [sc.ATTR_MCP_METHOD_NAME]: "prompts/get",
        [sc.ATTR_GEN_AI_PROMPT_NAME]: "p",
        [sc.ATTR_RPC_RESPONSE_STATUS_CODE]: "-32603",
        [sc.ATTR_ERROR_TYPE]: "-32603",
      },
      exception: thrown,
      status: { code: SpanStatusCode.ERROR, message: "cannot read x" },
    });
    const event = spanToEvent(span, opts)!;
    expect(event.isError).toBe(true);
    expect(event.error).toEqual({
      message: "cannot read x",
      type: "TypeError",
      stack: thrown.stack,
      platform: "javascript",
    });
    roundTrip(event);
  });

  it("counts a client-fault JSON-RPC error as a failed request (isError) though the span is not ERROR", () => {
    const span = spans.make({
      attributes: {
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "add",
        [sc.ATTR_RPC_RESPONSE_STATUS_CODE]: "-32602",
      },
    });
    const event = spanToEvent(span, opts)!;
    expect(event.isError).toBe(true);
    expect(event.error).toEqual({
      message: "Invalid params",
      type: "-32602",
      platform: "javascript",
    });
  });

  it("keeps content cut to maxContentLength (not JSON any more) as flagged text", () => {
    const span = spans.make({
      attributes: {
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "big",
        [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"text":"aaaaaaaa',
        [sc.ATTR_GEN_AI_TOOL_CALL_RESULT]: '{"content":[{"type":"te',
        [sc.ATTR_MCPCAT_IDENTIFY_DATA]: "{not json",
        [sc.ATTR_MCPCAT_PROPERTIES]: "[1,2]",
      },
    });
    const event = spanToEvent(span, opts)!;
    expect(event.parameters).toEqual({
      request: {
        method: "tools/call",
        params: { name: "big", arguments: '{"text":"aaaaaaaa', truncated: true },
      },
    });
    expect(event.response).toEqual({ text: '{"content":[{"type":"te', truncated: true });
    // Identify data cut to maxContentLength is kept as flagged text too; JSON that is not an
    // object (the properties here) is not a properties object.
    expect(event.identifyData).toEqual({ text: "{not json", truncated: true });
    expect(event).not.toHaveProperty("properties");
    roundTrip(event);
  });

  it("maps prompts/get arguments as parameters", () => {
    const span = spans.make({
      attributes: {
        [sc.ATTR_MCP_METHOD_NAME]: "prompts/get",
        [sc.ATTR_GEN_AI_PROMPT_NAME]: "greet",
        [`${sc.ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX}who`]: "you",
        [`${sc.ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX}mood`]: "glad",
      },
    });
    expect(spanToEvent(span, opts)!.parameters).toEqual({
      request: {
        method: "prompts/get",
        params: { name: "greet", arguments: { who: "you", mood: "glad" } },
      },
    });
  });

  it("ignores spans that are not MCP SERVER spans", () => {
    expect(
      spanToEvent(spans.make({ name: "GET /health", attributes: { "http.route": "/" } }), opts),
    ).toBeNull();
    const client = spans.make({
      kind: SpanKind.CLIENT,
      attributes: { [sc.ATTR_MCP_METHOD_NAME]: "tools/call" },
    });
    expect(spanToEvent(client, opts)).toBeNull();
    const internal = spans.make({
      kind: SpanKind.INTERNAL,
      attributes: { [sc.ATTR_MCP_METHOD_NAME]: "ping" },
    });
    expect(spanToEvent(internal, opts)).toBeNull();
  });

  it("skips a method outside the API's enum unless includeUnknownMethods", () => {
    const span = spans.make({
      attributes: { [sc.ATTR_MCP_METHOD_NAME]: "sampling/createMessage" },
    });
    expect(spanToEvent(span, opts)).toBeNull();
    expect(spanToEvent(span, { ...opts, includeUnknownMethods: true })?.eventType).toBe(
      "mcp:sampling/createMessage",
    );
  });

  it("derives a stable, time-sortable KSUID id from trace id + span id", () => {
    const span = spans.make({ attributes: { [sc.ATTR_MCP_METHOD_NAME]: "ping" }, startMs: START });
    const again = spanToEvent(span, opts)!.id;
    expect(spanToEvent(span, opts)!.id).toBe(again);
    const other = spans.make({ attributes: { [sc.ATTR_MCP_METHOD_NAME]: "ping" }, startMs: START });
    expect(spanToEvent(other, opts)!.id).not.toBe(again);
    // Decode the base62 KSUID: its first 4 bytes are seconds since the KSUID epoch (2014-05-13).
    const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let n = 0n;
    for (const c of again!.slice(4)) n = n * 62n + BigInt(digits.indexOf(c));
    expect(Number(n >> 128n)).toBe(Math.floor((START - 1_400_000_000_000) / 1000));
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++)
      ids.add(eventId(i.toString(16).padStart(32, "0"), "00000000000000ab", START));
    expect(ids.size).toBe(2000);
    // Ids never change between versions (a retried or re-exported span must keep its id),
    // down to the edges: payload and timestamp all zero bits or all one bits.
    expect(eventId("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1795608000250)).toBe(
      "evt_3Mb8eKmltVKWKmdoGsq2hdCYziz",
    );
    expect(eventId(`${"0".repeat(31)}1`, `${"0".repeat(15)}1`, 1_400_000_000_000)).toBe(
      "evt_000003IhI96ZJFXdsfPVblI7oIT",
    );
    expect(eventId("f".repeat(32), "f".repeat(16), 1_400_000_000_000 + 0xffffffff * 1000)).toBe(
      "evt_aWgEPPNWOsPbcSOpXeHo91z5q14",
    );
    // The payload is the first 16 bytes of SHA-256(traceId + spanId).
    let payload = 0n;
    for (const c of eventId("a".repeat(32), "b".repeat(16), START).slice(4))
      payload = payload * 62n + BigInt(digits.indexOf(c));
    const sha = createHash("sha256")
      .update(`${"a".repeat(32)}${"b".repeat(16)}`)
      .digest("hex");
    expect(payload & ((1n << 128n) - 1n)).toBe(BigInt(`0x${sha.slice(0, 32)}`));
  });

  it("lets sdkLanguage and sdkVersion (or its old name mcpcatVersion) be set", () => {
    const span = spans.make({ attributes: { [sc.ATTR_MCP_METHOD_NAME]: "ping" } });
    expect(spanToEvent(span, { ...opts, sdkLanguage: "ts-otel", sdkVersion: "9.9.9" })).toEqual(
      expect.objectContaining({ sdkLanguage: "ts-otel", agentcatVersion: "9.9.9" }),
    );
    expect(spanToEvent(span, { ...opts, mcpcatVersion: "8.8.8" })?.agentcatVersion).toBe("8.8.8");
    const legacy = spanToEvent(span, { ...opts, vocabulary: "mcpcat", sdkVersion: "7.7.7" });
    expect(legacy?.mcpcatVersion).toBe("7.7.7");
    expect(legacy).not.toHaveProperty("agentcatVersion");
  });
});

describe("spanToEvent, legacy MCPCat vocabulary", () => {
  const legacy = { ...opts, vocabulary: "mcpcat" as const };

  it("maps a tools/call with mcpcatVersion, and no agentcatVersion", () => {
    const span = spans.make({
      attributes: {
        ...base,
        [sc.ATTR_MCP_METHOD_NAME]: "tools/call",
        [sc.ATTR_GEN_AI_TOOL_NAME]: "t",
      },
    });
    const event = spanToEvent(span, legacy)!;
    expect(event.mcpcatVersion).toBe(`mcpcat-otel/${PACKAGE_VERSION}`);
    expect(event).not.toHaveProperty("agentcatVersion");
    roundTrip(event, "mcpcat");
  });

  it("maps the identify span to mcpcat:identify", () => {
    const span = spans.make({
      name: sc.MCPCAT_IDENTIFY_SPAN_NAME,
      kind: SpanKind.INTERNAL,
      attributes: { [sc.ATTR_MCP_SESSION_ID]: "s-1", [sc.ATTR_USER_ID]: "u-1" },
    });
    const event = spanToEvent(span, legacy)!;
    expect(event.eventType).toBe("mcpcat:identify");
    roundTrip(event, "mcpcat");
  });

  it("makes no event of a tasks/* method, which the legacy enum does not list", () => {
    for (const method of ["tasks/get", "tasks/result", "tasks/list", "tasks/cancel"]) {
      const span = spans.make({ attributes: { [sc.ATTR_MCP_METHOD_NAME]: method } });
      expect(spanToEvent(span, legacy)).toBeNull();
      expect(spanToEvent(span, opts)?.eventType).toBe(`mcp:${method}`);
    }
  });
});
