import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { isTracingSuppressed } from "@opentelemetry/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpSender, parseRetryAfter, type SendOutcome } from "../../src/exporter/http-sender.js";
import { exportAndCollect, exporterFor } from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { SpanFactory } from "../helpers/spans.js";

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  it("reads delay-seconds and HTTP dates; ignores junk", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("HttpSender against the stand-in", () => {
  let api: FakeMcpcatApi;
  beforeEach(async () => {
    api = await new FakeMcpcatApi().start();
  });
  afterEach(async () => {
    await api.close();
  });

  it("sends JSON with content-length, the user agent and the configured headers", async () => {
    const factory = new SpanFactory();
    const exporter = exporterFor(api.url, { headers: { "X-Proxy-Auth": "k" } });
    await exportAndCollect(exporter, [factory.make({ attributes: { "mcp.method.name": "ping" } })]);
    await exporter.shutdown();
    await factory.shutdown();
    const headers = api.requests[0]?.headers;
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "mcpcat-otel",
      "x-proxy-auth": "k",
    });
    expect(Number(headers?.["content-length"])).toBeGreaterThan(100);
    expect(api.violations).toEqual([]);
  });

  it("reports each way a request ends as an outcome, exactly once, without throwing", async () => {
    const sender = new HttpSender({
      url: new URL(`${api.url}/v1/public/events/`),
      timeoutMillis: 100,
      maxSockets: 4,
      headers: {},
    });
    const send = (body: string) =>
      new Promise<SendOutcome[]>((resolve) => {
        const outcomes: SendOutcome[] = [];
        sender.send(body, (o) => outcomes.push(o));
        setTimeout(() => resolve(outcomes), 400);
      });
    const body = JSON.stringify({ id: "evt_000000000000000000000000000", project_id: "p" });
    api.script = () => ({ status: 202 });
    expect(await send(body)).toEqual([{ ok: true, status: 202 }]);
    api.script = () => ({ status: 503, headers: { "retry-after": "7" }, body: "busy" });
    expect(await send(body)).toEqual([
      { ok: false, retryable: true, status: 503, retryAfterMs: 7000, reason: "HTTP 503: busy" },
    ]);
    api.script = () => ({ status: 404 });
    expect((await send(body))[0]).toMatchObject({ ok: false, retryable: false, status: 404 });
    api.script = () => "hang";
    expect(await send(body)).toEqual([
      { ok: false, retryable: true, reason: "timed out after 100 ms" },
    ]);
    api.script = () => "destroy";
    const destroyed = await send(body);
    expect(destroyed).toHaveLength(1);
    expect(destroyed[0]).toMatchObject({ ok: false, retryable: true });
    expect(sender.inFlight).toBe(0);
    sender.close();
    // The stand-in flags what it cannot read (this hand-made body has no session_id etc.).
    api.violations.length = 0;
  });

  it("sends with tracing suppressed, so an undici instrumentation makes no span of it", async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    // What @opentelemetry/instrumentation-undici checks when undici announces a request.
    const seen: boolean[] = [];
    const onCreate = () => seen.push(isTracingSuppressed(context.active()));
    subscribe("undici:request:create", onCreate);
    const sender = new HttpSender({
      url: new URL(`${api.url}/v1/public/events/`),
      timeoutMillis: 1000,
      maxSockets: 2,
      headers: {},
    });
    try {
      const traced = ROOT_CONTEXT.setValue(Symbol("app"), "request context");
      const outcome = await new Promise<SendOutcome>((resolve) =>
        context.with(traced, () => sender.send("{}", resolve)),
      );
      expect(outcome).toEqual({ ok: true, status: 202 });
      expect(seen).toEqual([true]);
      expect(isTracingSuppressed(context.active())).toBe(false);
    } finally {
      unsubscribe("undici:request:create", onCreate);
      sender.close();
      context.disable();
      api.violations.length = 0;
    }
  });
});
