/*
 * The MCPCat API down (connection refused) while 100,000 MCP spans end: the queue cap holds,
 * every event is accounted for (queued, dropped for a full queue, or dropped after retries),
 * a diag warning gives the count, and the heap stays bounded after a full GC.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { expect, it } from "vitest";
import { captureDiag } from "../helpers/diag.js";
import { batchProvider, endToolSpans, exporterFor, trackUnhandled } from "../helpers/exporter.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const logs = captureDiag();

async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function flood(maxQueueSize: number | undefined, total: number) {
  const unhandled = trackUnhandled();
  logs.clear();
  const exporter = exporterFor(await refusedUrl(), {
    shutdownTimeoutMillis: 200,
    ...(maxQueueSize ? { maxQueueSize } : {}),
  });
  const provider = batchProvider(exporter, 5);
  const cap = maxQueueSize ?? 50_000;
  const before = heapMb();
  let peakPending = 0;
  const started = Date.now();
  for (let i = 0; i < total; i += 500) {
    endToolSpans(provider, 500, "sess");
    // Let the batch processor hand its batch over (it would drop past its own queue otherwise).
    await new Promise((resolve) => setImmediate(resolve));
    peakPending = Math.max(peakPending, exporter.getStats().pending);
  }
  await provider.forceFlush();
  const stats = exporter.getStats();
  const grownMb = heapMb() - before;
  const seconds = (Date.now() - started) / 1000;
  await expect(provider.shutdown()).resolves.toBeUndefined();
  const final = exporter.getStats();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  return { stats, final, peakPending, cap, grownMb, seconds };
}

it("100,000 spans with the API down: the default cap holds and drops are counted", async () => {
  const total = 100_000;
  const { stats, final, peakPending, cap, grownMb, seconds } = await flood(undefined, total);
  console.info(
    `API down, default cap: ${seconds.toFixed(1)} s, heap +${grownMb.toFixed(1)} MB, peak pending ${peakPending}`,
  );
  expect(stats.sent).toBe(0);
  expect(peakPending).toBeLessThanOrEqual(cap);
  expect(stats.pending).toBeLessThanOrEqual(cap);
  expect(stats.droppedQueueFull).toBeGreaterThanOrEqual(total - cap - stats.droppedFailed);
  // Every span is accounted for: still pending, dropped for a full queue, or after its retries.
  expect(stats.pending + stats.droppedQueueFull + stats.droppedFailed).toBe(total);
  expect(final.pending).toBe(0);
  expect(final.droppedQueueFull + final.droppedFailed + final.droppedShutdown).toBe(total);
  // ~50,000 queued bodies of ~350 characters: tens of MB, not hundreds.
  expect(grownMb).toBeLessThan(80);
  expect(logs.warnings().join("\n")).toMatch(
    new RegExp(`dropped \\d+ events: ${stats.droppedQueueFull} because the queue was full`),
  );
}, 60_000);

it("a small cap keeps memory flat whatever the number of spans", async () => {
  const { stats, peakPending, grownMb } = await flood(1_000, 100_000);
  expect(peakPending).toBeLessThanOrEqual(1_000);
  expect(stats.droppedQueueFull).toBeGreaterThanOrEqual(98_000);
  expect(grownMb).toBeLessThan(15);
}, 60_000);
