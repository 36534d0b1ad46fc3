/*
 * A burst of 20,000 MCP spans with default settings: every event is delivered, every body is
 * checked by the stand-in, and the rate is reported (asserted loosely: CI machines vary).
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { batchProvider, endToolSpans, exporterFor, trackUnhandled } from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";

let api: FakeMcpcatApi;
let unhandled: ReturnType<typeof trackUnhandled>;
beforeEach(async () => {
  api = await new FakeMcpcatApi().start();
  unhandled = trackUnhandled();
});
afterEach(async () => {
  await api.close();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
});

it("delivers 100% of a 20,000-span burst with default settings", async () => {
  const exporter = exporterFor(api.url);
  // A BatchSpanProcessor sized for the burst, so that only the exporter is measured.
  const provider = batchProvider(exporter, 50);
  const total = 20_000;
  const started = performance.now();
  for (let i = 0; i < total; i += 500) {
    endToolSpans(provider, 500, `sess-${i % 7}`);
    // Let the batch processor export (it drops past its own 2048-span queue otherwise).
    await new Promise((resolve) => setImmediate(resolve));
  }
  await provider.forceFlush();
  // forceFlush gives up after shutdownTimeoutMillis (10 s): on a loaded CI machine, wait on.
  while (exporter.getStats().pending > 0) await exporter.forceFlush();
  const seconds = (performance.now() - started) / 1000;
  await provider.shutdown();
  const stats = exporter.getStats();
  expect(api.violations).toEqual([]);
  expect(api.accepted.size).toBe(total);
  expect(stats).toMatchObject({ sent: total, droppedQueueFull: 0, droppedFailed: 0 });
  const rate = Math.round(total / seconds);
  console.info(`MCPCatExporter: ${total} events in ${seconds.toFixed(2)} s = ${rate} events/s`);
  expect(rate).toBeGreaterThan(1000);
}, 60_000);
