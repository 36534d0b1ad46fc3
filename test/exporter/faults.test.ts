/*
 * The MCPCat API misbehaving: 5xx, 429, 4xx, no answer, no server, and shutdown mid-export.
 * In none of them may the exporter throw, reject, leave an unhandled rejection, or make the
 * app's provider.shutdown()/forceFlush() reject.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import { captureDiag } from "../helpers/diag.js";
import { batchProvider, endToolSpans, exporterFor, trackUnhandled } from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";

const logs = captureDiag();
let api: FakeMcpcatApi;
let unhandled: ReturnType<typeof trackUnhandled>;
const fast = { initialBackoffMillis: 20, maxBackoffMillis: 2000 };

beforeEach(async () => {
  api = await new FakeMcpcatApi().start();
  unhandled = trackUnhandled();
  logs.clear();
});
afterEach(async () => {
  await api.close();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(api.violations).toEqual([]);
});

/** Sends `n` spans through a real BatchSpanProcessor and shuts the provider down. */
async function run(exporter: MCPCatExporter, n: number): Promise<void> {
  const provider = batchProvider(exporter);
  endToolSpans(provider, n, "sess");
  await expect(provider.forceFlush()).resolves.toBeUndefined();
  await expect(provider.shutdown()).resolves.toBeUndefined();
}

describe("MCPCat API faults", () => {
  it("retries after 500 and delivers each event once (same id on every attempt)", async () => {
    api.script = (_body, attempt) => (attempt === 1 ? { status: 500 } : { status: 202 });
    const exporter = exporterFor(api.url, fast);
    await run(exporter, 20);
    expect(api.accepted.size).toBe(20);
    expect(api.requests.length).toBe(40);
    const attemptsById = new Map<string, number>();
    for (const r of api.requests)
      attemptsById.set(String(r.body.id), (attemptsById.get(String(r.body.id)) ?? 0) + 1);
    expect([...attemptsById.values()].every((n) => n === 2)).toBe(true);
    // A retry is the same body, byte for byte: the id comes from the span, not from the attempt.
    const first = api.requests.find((r) => r.status === 500)!;
    const retry = api.requests.find((r) => r.body.id === first.body.id && r.status === 202)!;
    expect(retry.body).toEqual(first.body);
    expect(exporter.getStats()).toMatchObject({ sent: 20, retries: 20, droppedFailed: 0 });
  });

  it("honours Retry-After on 429", async () => {
    api.script = (_body, attempt) =>
      attempt === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 202 };
    const exporter = exporterFor(api.url, { ...fast, maxConcurrentRequests: 1 });
    await run(exporter, 1);
    expect(api.requests.map((r) => r.status)).toEqual([429, 202]);
    const gap = api.requests[1]!.at - api.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(2000);
  });

  it("caps a Retry-After longer than maxBackoffMillis", async () => {
    // The API asks for an hour: the exporter waits maxBackoffMillis (200 ms) and no longer.
    api.script = (_body, attempt) =>
      attempt === 1 ? { status: 429, headers: { "retry-after": "3600" } } : { status: 202 };
    const exporter = exporterFor(api.url, {
      initialBackoffMillis: 20,
      maxBackoffMillis: 200,
      maxConcurrentRequests: 1,
    });
    await run(exporter, 1);
    expect(api.requests.map((r) => r.status)).toEqual([429, 202]);
    const gap = api.requests[1]!.at - api.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(150);
    expect(gap).toBeLessThan(1500);
  });

  it("does not retry a 400: drops, counts and reports it via diag", async () => {
    api.script = () => ({ status: 400, body: '{"detail":"bad event"}' });
    const exporter = exporterFor(api.url, fast);
    await run(exporter, 5);
    expect(api.requests.length).toBe(5);
    expect(exporter.getStats()).toMatchObject({ sent: 0, retries: 0, droppedFailed: 5 });
    expect(logs.warnings().join("\n")).toMatch(
      /dropped 5 events: 5 undeliverable \(last: HTTP 400: \{"detail":"bad event"\}/,
    );
  });

  it("times out a request the API never answers, retries, then drops", async () => {
    api.script = () => "hang";
    const exporter = exporterFor(api.url, { ...fast, timeoutMillis: 150, maxRetries: 1 });
    const started = Date.now();
    await run(exporter, 3);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(api.requests.length).toBe(6);
    expect(exporter.getStats()).toMatchObject({
      sent: 0,
      retries: 3,
      droppedFailed: 3,
      pending: 0,
    });
    expect(logs.warnings().join("\n")).toMatch(/timed out after 150 ms/);
  });

  it("survives connection refused: retries with backoff, then drops", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const exporter = exporterFor(`http://127.0.0.1:${port}`, { ...fast, maxRetries: 2 });
    await run(exporter, 4);
    expect(exporter.getStats()).toMatchObject({
      sent: 0,
      retries: 8,
      droppedFailed: 4,
      pending: 0,
    });
    expect(logs.warnings().join("\n")).toMatch(/ECONNREFUSED/);
  });

  it("survives the connection dropped mid-request", async () => {
    api.script = (_body, attempt) => (attempt === 1 ? "destroy" : { status: 202 });
    const exporter = exporterFor(api.url, fast);
    await run(exporter, 5);
    expect(api.accepted.size).toBe(5);
  });

  it("shutdown mid-export: resolves within its timeout, aborts what is in flight, counts the drops", async () => {
    api.script = () => "hang";
    const exporter = exporterFor(api.url, {
      ...fast,
      shutdownTimeoutMillis: 300,
      maxConcurrentRequests: 2,
    });
    const provider = batchProvider(exporter);
    endToolSpans(provider, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.getStats().inFlight).toBe(2);
    const started = Date.now();
    await expect(provider.shutdown()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(exporter.getStats()).toMatchObject({ pending: 0, inFlight: 0, droppedShutdown: 10 });
    // The server sees the aborted connections close.
    for (let i = 0; i < 100 && api.hanging.size > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(api.hanging.size).toBe(0);
    expect(logs.warnings().join("\n")).toMatch(/shut down with 10 events undelivered/);
  });

  it("keeps retrying through a burst of 5xx without growing past the cap", async () => {
    api.script = (_body, attempt) => (attempt <= 2 ? { status: 503 } : { status: 202 });
    const exporter = exporterFor(api.url, { ...fast, maxQueueSize: 100 });
    await run(exporter, 100);
    expect(api.accepted.size).toBe(100);
    expect(exporter.getStats()).toMatchObject({ sent: 100, droppedFailed: 0, droppedQueueFull: 0 });
  });
});
