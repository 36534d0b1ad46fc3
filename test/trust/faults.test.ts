/*
 * Both remote ends down or misbehaving at once, the OTLP collector and the MCPCat API: refused,
 * silent for 30 s, resetting connections, answering garbage, answering 413. The MCP server's
 * latency must not change, memory stays bounded, drops are counted, and shutdown() returns
 * within its timeout. (test/exporter/faults.test.ts covers the MCPCat API's retry rules one by
 * one, test/register-exit.test.ts exit and signals; this adds the collector and the latency.)
 */
import net from "node:net";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import { SHUTDOWN_TIMEOUT_MS } from "../../src/register/flush-on-exit.js";
import { initializeAndCallEcho, spawnRaw } from "../helpers/child.js";
import { captureDiag } from "../helpers/diag.js";
import { trackUnhandled } from "../helpers/exporter.js";
import { buildServer, connectInMemory } from "../helpers/servers.js";
import { setupTracing } from "../helpers/tracing.js";

type Fault = "refused" | "silent" | "reset" | "garbage" | "413";

/** A stand-in for a remote endpoint that misbehaves in one way, on 127.0.0.1. */
async function faultyEndpoint(fault: Fault) {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", () => {
      if (fault === "reset") socket.resetAndDestroy();
      else if (fault === "garbage") socket.end("\u0000\u00ffnot http at all\r\n\r\n{{{");
      else if (fault === "413") {
        socket.end(
          "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
      } else if (fault === "silent") {
        // Answers, but after 30 s: far beyond any exporter timeout.
        const timer = setTimeout(
          () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
          30_000,
        );
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  if (fault === "refused") await close();
  return { url: `http://127.0.0.1:${port}`, close: fault === "refused" ? async () => {} : close };
}

const { instrumentation } = setupTracing();
const logs = captureDiag();
const unhandled = trackUnhandled();
afterAll(() => {
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
});
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Median latency of `n` awaited tool calls, in ms (yielding after each, see SPEC). */
async function medianLatency(n: number): Promise<number> {
  const { client } = await connectInMemory(buildServer());
  closers.push(() => client.close());
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await client.callTool({ name: "echo", arguments: { text: "x" } });
    times.push(performance.now() - start);
    await new Promise((resolve) => setImmediate(resolve));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

let baseline = 0;
describe("collector and MCPCat API both faulty", () => {
  it("baseline: latency with spans kept in memory", async () => {
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
    instrumentation.setTracerProvider(provider);
    await medianLatency(100); // warm up
    baseline = await medianLatency(300);
    expect(baseline).toBeGreaterThan(0);
  });

  for (const fault of ["refused", "silent", "reset", "garbage", "413"] as const) {
    it(`${fault}: latency unchanged, queue bounded, drops counted, shutdown in time`, async () => {
      const endpoint = await faultyEndpoint(fault);
      closers.push(endpoint.close);
      const mcpcat = new MCPCatExporter({
        projectId: "proj_faults",
        apiBaseUrl: endpoint.url,
        timeoutMillis: 300,
        maxRetries: 1,
        initialBackoffMillis: 10,
        maxQueueSize: 50,
        shutdownTimeoutMillis: 1000,
      });
      const provider = new TracerProvider({
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({
              url: `${endpoint.url}/v1/traces`,
              timeoutMillis: 300,
            }),
            scheduledDelayMillis: 5,
            maxQueueSize: 100,
          }),
          new BatchSpanProcessor({ exporter: mcpcat, scheduledDelayMillis: 5 }),
        ],
      });
      instrumentation.setTracerProvider(provider);
      logs.clear();
      const latency = await medianLatency(300);
      expect(latency).toBeLessThan(Math.max(baseline * 5, baseline + 5));
      const stats = mcpcat.getStats();
      expect(stats.pending).toBeLessThanOrEqual(50);
      // shutdown() settles in time. OpenTelemetry's BatchSpanProcessor rejects it when the
      // OTLP exporter's last export failed (its own contract); MCPCatExporter never does.
      const started = performance.now();
      await provider.shutdown().catch((error: Error) => {
        expect(String(error)).not.toMatch(/MCPCat/);
      });
      expect(performance.now() - started).toBeLessThan(3000);
      await expect(mcpcat.shutdown()).resolves.toBeUndefined();
      const after = mcpcat.getStats();
      expect(after.sent).toBe(0);
      expect(after.droppedFailed + after.droppedQueueFull + after.droppedShutdown).toBeGreaterThan(
        0,
      );
      // Both exporters said so, through diag.
      const said = logs.warnings().join("\n");
      expect(said).toMatch(/mcpcat-otel\/MCPCatExporter (dropped|shut down)/);
      expect(said.length).toBeGreaterThan(0);
    });
  }
});

describe("exit with spans buffered and the collector silent", () => {
  it("SIGTERM: the process flushes what it can and dies from the signal in time", async () => {
    const endpoint = await faultyEndpoint("silent");
    closers.push(endpoint.close);
    const { child, out, exited } = spawnRaw("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.url,
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    await initializeAndCallEcho(child, out);
    const started = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: null, signal: "SIGTERM" });
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
  });
});
