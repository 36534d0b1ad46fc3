import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import { AgentCatExporter } from "../../src/index.js";
import { captureDiag } from "../helpers/diag.js";
import {
  batchProvider,
  endToolSpans,
  exportAndCollect,
  exporterFor,
  FAILED,
  SUCCESS,
  toolSpans,
  trackUnhandled,
} from "../helpers/exporter.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { SpanFactory, SpanKind } from "../helpers/spans.js";

const factory = new SpanFactory();
const logs = captureDiag();
let api: FakeMcpcatApi;
let unhandled: ReturnType<typeof trackUnhandled>;
const exporters: MCPCatExporter[] = [];
function make(options: ConstructorParameters<typeof MCPCatExporter>[0] = {}): MCPCatExporter {
  const exporter = exporterFor(api.url, options);
  exporters.push(exporter);
  return exporter;
}

beforeEach(async () => {
  api = await new FakeMcpcatApi().start();
  unhandled = trackUnhandled();
  logs.clear();
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await api.close();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(api.violations).toEqual([]);
});
afterAll(() => factory.shutdown());

describe("MCPCatExporter configuration", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("throws a clear error at construction without a project id", () => {
    delete process.env.MCPCAT_PROJECT_ID;
    delete process.env.AGENTCAT_PROJECT_ID;
    expect(() => new MCPCatExporter()).toThrow(
      /project id.*AGENTCAT_PROJECT_ID.*MCPCAT_PROJECT_ID/,
    );
    expect(() => new MCPCatExporter({ projectId: "  " })).toThrow(/project id/);
  });

  it("takes the project id and API URL from the environment; options win", async () => {
    process.env.MCPCAT_PROJECT_ID = "proj_env";
    process.env.MCPCAT_API_URL = `${api.url}/`;
    const fromEnv = new MCPCatExporter();
    exporters.push(fromEnv);
    expect(fromEnv.url).toBe(`${api.url}/v1/public/events/`);
    await exportAndCollect(fromEnv, toolSpans(factory, 1));
    await fromEnv.forceFlush();
    expect(api.events.map((e) => e.projectId)).toEqual(["proj_env"]);

    const explicit = new MCPCatExporter({
      projectId: "proj_opt",
      apiBaseUrl: "https://example.test/base",
    });
    exporters.push(explicit);
    expect(explicit.url).toBe("https://example.test/base/v1/public/events/");
  });

  it("reads AGENTCAT_PROJECT_ID and AGENTCAT_API_URL, which win over the MCPCAT_ names", async () => {
    process.env.AGENTCAT_PROJECT_ID = "proj_agentcat";
    process.env.MCPCAT_PROJECT_ID = "proj_mcpcat";
    process.env.AGENTCAT_API_URL = api.url;
    process.env.MCPCAT_API_URL = "http://127.0.0.1:1";
    const fromEnv = new MCPCatExporter();
    exporters.push(fromEnv);
    expect(fromEnv.url).toBe(`${api.url}/v1/public/events/`);
    await exportAndCollect(fromEnv, toolSpans(factory, 1));
    await fromEnv.forceFlush();
    expect(api.events.map((e) => e.projectId)).toEqual(["proj_agentcat"]);
    delete process.env.AGENTCAT_PROJECT_ID;
    delete process.env.AGENTCAT_API_URL;
    const legacyEnv = new MCPCatExporter();
    exporters.push(legacyEnv);
    expect(legacyEnv.url).toBe("http://127.0.0.1:1/v1/public/events/");
  });

  it("speaks the current API by default and the legacy vocabulary on the legacy host or when asked", () => {
    for (const name of ["MCPCAT_API_URL", "AGENTCAT_API_URL"]) delete process.env[name];
    const cases: [ConstructorParameters<typeof MCPCatExporter>[0], string, string][] = [
      [{}, "https://api.agentcat.com/v1/public/events/", "agentcat"],
      [
        { apiBaseUrl: "https://api.mcpcat.io" },
        "https://api.mcpcat.io/v1/public/events/",
        "mcpcat",
      ],
      [
        { apiBaseUrl: "https://proxy.test", vocabulary: "mcpcat" },
        "https://proxy.test/v1/public/events/",
        "mcpcat",
      ],
      [
        { apiBaseUrl: "https://api.mcpcat.io", vocabulary: "agentcat" },
        "https://api.mcpcat.io/v1/public/events/",
        "agentcat",
      ],
      [{ apiBaseUrl: "http://127.0.0.1:9" }, "http://127.0.0.1:9/v1/public/events/", "agentcat"],
    ];
    for (const [options, url, vocabulary] of cases) {
      const exporter = new MCPCatExporter({ projectId: "p", ...options });
      exporters.push(exporter);
      expect([exporter.url, exporter.apiVocabulary]).toEqual([url, vocabulary]);
    }
    expect(AgentCatExporter).toBe(MCPCatExporter);
    expect(() => new MCPCatExporter({ projectId: "p", vocabulary: "other" as never })).toThrow(
      /vocabulary/,
    );
  });

  it("defaults to https://api.agentcat.com and rejects a URL that is not http(s)", () => {
    delete process.env.MCPCAT_API_URL;
    delete process.env.AGENTCAT_API_URL;
    const exporter = new MCPCatExporter({ projectId: "p" });
    exporters.push(exporter);
    expect(exporter.url).toBe("https://api.agentcat.com/v1/public/events/");
    expect(() => new MCPCatExporter({ projectId: "p", apiBaseUrl: "not a url" })).toThrow(
      /invalid/,
    );
    expect(() => new MCPCatExporter({ projectId: "p", apiBaseUrl: "ftp://x" })).toThrow(/http/);
  });
});

describe("MCPCatExporter delivery", () => {
  it("posts one body per MCP span through a BatchSpanProcessor and ignores other spans", async () => {
    const exporter = make();
    const provider = batchProvider(exporter);
    endToolSpans(provider, 25, "sess-1");
    provider.getTracer("t").startSpan("GET /", { kind: SpanKind.SERVER }).end();
    provider
      .getTracer("t")
      .startSpan("x", { kind: SpanKind.CLIENT, attributes: { "mcp.method.name": "ping" } })
      .end();
    await provider.shutdown();
    expect(api.accepted.size).toBe(25);
    expect(api.requests.length).toBe(25);
    expect(new Set(api.events.map((e) => e.sessionId))).toEqual(new Set(["sess-1"]));
    expect(exporter.getStats()).toMatchObject({ sent: 25, pending: 0, droppedFailed: 0 });
  });

  it("counts spans whose method is not in the API's enum instead of sending them", async () => {
    const exporter = make();
    const span = factory.make({ attributes: { "mcp.method.name": "sampling/createMessage" } });
    expect(await exportAndCollect(exporter, [span])).toEqual([{ code: SUCCESS }]);
    await exporter.forceFlush();
    expect(api.requests).toEqual([]);
    expect(exporter.getStats().skippedUnknownMethod).toBe(1);
    // tasks/* are event types of the current API only.
    const legacy = make({ vocabulary: "mcpcat" });
    const task = factory.make({ attributes: { "mcp.method.name": "tasks/list" } });
    await exportAndCollect(legacy, [task]);
    await legacy.forceFlush();
    expect(legacy.getStats().skippedUnknownMethod).toBe(1);
    expect(api.requests).toEqual([]);
  });

  it("calls back exactly once with SUCCESS on accept, before delivery", async () => {
    api.script = () => ({ status: 202, delayMs: 200 });
    const exporter = make();
    const results = await exportAndCollect(exporter, toolSpans(factory, 3));
    expect(results).toEqual([{ code: SUCCESS }]);
    expect(api.accepted.size).toBe(0);
    await exporter.forceFlush();
    expect(api.accepted.size).toBe(3);
  });

  it("keeps at most maxConcurrentRequests requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    api.script = () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 20);
      return { status: 202, delayMs: 20 };
    };
    const exporter = make({ maxConcurrentRequests: 4 });
    await exportAndCollect(exporter, toolSpans(factory, 40));
    await exporter.forceFlush();
    expect(api.accepted.size).toBe(40);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});

describe("MCPCatExporter bounded queue", () => {
  it("drops beyond maxQueueSize, counts it and says how many via diag", async () => {
    api.script = () => "hang";
    const exporter = make({
      maxQueueSize: 10,
      maxConcurrentRequests: 2,
      shutdownTimeoutMillis: 50,
    });
    const results = await exportAndCollect(exporter, toolSpans(factory, 100));
    expect(results).toEqual([{ code: SUCCESS }]);
    expect(exporter.getStats()).toMatchObject({ pending: 10, inFlight: 2, droppedQueueFull: 90 });
    await exporter.shutdown();
    expect(exporter.getStats()).toMatchObject({
      pending: 0,
      droppedShutdown: 10,
      droppedQueueFull: 90,
    });
    expect(logs.warnings().join("\n")).toMatch(/dropped 90 events: 90 because the queue was full/);
  });

  it("bounds the characters waiting, not only the count (large captured content)", async () => {
    api.script = () => "hang";
    const big = "x".repeat(10_000);
    const spans = Array.from({ length: 20 }, () =>
      factory.make({
        attributes: {
          "mcp.method.name": "tools/call",
          "gen_ai.tool.call.arguments": JSON.stringify({ big }),
        },
      }),
    );
    const exporter = make({ maxQueueBytes: 55_000, shutdownTimeoutMillis: 50 });
    await exportAndCollect(exporter, spans);
    expect(exporter.getStats()).toMatchObject({ pending: 5, droppedQueueFull: 15 });
  });
});

describe("MCPCatExporter lifecycle", () => {
  it("shutdown waits for queued events, is idempotent, and later exports fail fast", async () => {
    api.script = () => ({ status: 202, delayMs: 50 });
    const exporter = make();
    await exportAndCollect(exporter, toolSpans(factory, 5));
    const first = exporter.shutdown();
    expect(exporter.shutdown()).toBe(first);
    await first;
    expect(api.accepted.size).toBe(5);
    const results = await exportAndCollect(exporter, toolSpans(factory, 1));
    expect(results).toHaveLength(1);
    expect(results[0]?.code).toBe(FAILED);
    expect(api.requests.length).toBe(5);
  });

  it("forceFlush resolves (never rejects) when the API does not answer, and keeps the events", async () => {
    api.script = () => "hang";
    const exporter = make({ shutdownTimeoutMillis: 100, timeoutMillis: 5_000 });
    await exportAndCollect(exporter, toolSpans(factory, 2));
    const started = Date.now();
    await expect(exporter.forceFlush()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(exporter.getStats().pending).toBe(2);
    expect(logs.warnings().join("\n")).toMatch(/forceFlush timed out/);
  });

  it("forceFlush with nothing queued resolves at once", async () => {
    const exporter = make();
    const started = Date.now();
    await exporter.forceFlush();
    expect(Date.now() - started).toBeLessThan(50);
  });
});
