import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_TRANSPORT,
  MCP_DURATION_BUCKETS,
} from "../src/semconv.js";
import {
  connectStdio,
  initializeAndCallEcho,
  type ModuleKind,
  send,
  spawnRaw,
  until,
} from "./helpers/child.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import { OtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.js";

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(async () => {
  await receiver.close();
});

const SPAN_KIND_SERVER = 2;
const toolSpan = (spans: ReceivedSpan[], tool: string) =>
  spans.find((s) => s.attributes[ATTR_GEN_AI_TOOL_NAME] === tool);

describe.each([
  ["esm", "http/protobuf", "protobuf"],
  ["cjs", "http/json", "json"],
] as const)("register (%s, %s)", (kind: ModuleKind, protocol, encoding) => {
  it("exports the stdio server's spans over OTLP, from the environment alone", async () => {
    const run = await connectStdio(kind, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: `register-${kind}`,
    });
    const echoed = await run.client.callTool({ name: "echo", arguments: { text: "hello" } });
    expect(echoed.content).toEqual([{ type: "text", text: "hello" }]);
    const failed = await run.client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    await run.client.close();

    await until(() => toolSpan(receiver.spans, "fail") !== undefined, "the spans");
    expect(receiver.errors).toEqual([]);
    expect(run.clientErrors).toEqual([]);
    const echo = toolSpan(receiver.spans, "echo");
    expect(echo).toMatchObject({
      name: "tools/call echo",
      kind: SPAN_KIND_SERVER,
      encoding,
      resource: { "service.name": `register-${kind}` },
    });
    expect(echo?.attributes).toMatchObject({
      [ATTR_MCP_METHOD_NAME]: "tools/call",
      [ATTR_NETWORK_TRANSPORT]: "pipe",
    });
    expect(echo?.attributes[ATTR_MCP_SESSION_ID]).toEqual(expect.any(String));
    expect(echo?.attributes).not.toHaveProperty(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS); // off by default
    expect(toolSpan(receiver.spans, "fail")?.attributes["error.type"]).toBe("tool_error");
    expect(receiver.spans.map((s) => s.name)).toContain("initialize");
    // The server ended by itself when stdin closed (not by the client's SIGTERM), flushing.
    expect(run.stderr()).toContain("fixture: exit 0");
  });
});

describe("register never disturbs the stdio protocol", () => {
  it.each(["esm", "cjs"] as const)(
    "%s: stdout carries only JSON-RPC even with debug logs and console exporters on",
    async (kind) => {
      const { child, out, exited } = spawnRaw(kind, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_LOG_LEVEL: "debug",
        OTEL_TRACES_EXPORTER: "console,otlp",
        OTEL_METRICS_EXPORTER: "console",
        OTEL_LOGS_EXPORTER: "console",
        MCPCAT_STATELESS: "perhaps",
      });
      await initializeAndCallEcho(child, out);
      send(child, { id: 2, method: "tools/list" });
      await until(() => out.stdout.includes('"id":2'), "the tools/list response");
      child.stdin.end();
      expect(await exited).toEqual({ code: 0, signal: null });

      const lines = out.stdout.split("\n").filter((line) => line !== "");
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
      // What would have gone to stdout went to stderr: diagnostics and the console spans.
      expect(out.stderr).toContain("[otel debug]");
      expect(out.stderr).toContain("OTEL_METRICS_EXPORTER=console is ignored");
      expect(out.stderr).toContain("MCPCAT_STATELESS");
      expect(out.stderr).toMatch(/name: 'tools\/call echo'/);
      await until(() => toolSpan(receiver.spans, "echo") !== undefined, "the OTLP span");
    },
  );
});

describe("register never writes to stdout, whichever exporters it sets up", () => {
  let api: FakeMcpcatApi;
  beforeEach(async () => {
    api = await new FakeMcpcatApi().start();
  });
  afterEach(async () => {
    await api.close();
  });

  // Two paths the test above does not take: no trace exporter at all, and MCPCat alone.
  it.each([
    ["esm", "OTEL_TRACES_EXPORTER=none"],
    ["cjs", "OTEL_TRACES_EXPORTER=none"],
    ["esm", "only a project id for MCPCat"],
    ["cjs", "only a project id for MCPCat"],
  ] as const)("%s, %s: every stdout line is JSON-RPC", async (kind, how) => {
    const env: Record<string, string> =
      how === "OTEL_TRACES_EXPORTER=none"
        ? {
            OTEL_TRACES_EXPORTER: "none",
            OTEL_METRICS_EXPORTER: "none",
            OTEL_LOGS_EXPORTER: "none",
          }
        : { MCPCAT_PROJECT_ID: "proj_stdout", MCPCAT_API_URL: api.url };
    const { child, out, exited } = spawnRaw(kind, env);
    await initializeAndCallEcho(child, out);
    send(child, { id: 2, method: "tools/list" });
    await until(() => out.stdout.includes('"id":2'), "the tools/list response");
    if (env.MCPCAT_PROJECT_ID) {
      await until(() => api.events.some((e) => e.eventType === "mcp:tools/call"), "the event");
    }
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    const lines = out.stdout.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
  });
});

describe("register with MCPCAT_PROJECT_ID", () => {
  let api: FakeMcpcatApi;
  beforeEach(async () => {
    api = await new FakeMcpcatApi().start();
  });
  afterEach(async () => {
    await api.close();
  });

  it.each(["esm", "cjs"] as const)(
    "%s: sends MCPCat events and OTLP spans from the same run",
    async (kind) => {
      const run = await connectStdio(kind, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        MCPCAT_PROJECT_ID: "proj_register",
        MCPCAT_API_URL: api.url,
        MCPCAT_CAPTURE_CONTENT: "yes",
      });
      await run.client.callTool({ name: "echo", arguments: { text: "hello" } });
      await run.client.close();

      await until(() => toolSpan(receiver.spans, "echo") !== undefined, "the OTLP span");
      await until(
        () => api.events.some((e) => e.eventType === "mcp:tools/call"),
        "the MCPCat event",
      );
      expect(api.violations).toEqual([]);
      const event = api.events.find((e) => e.eventType === "mcp:tools/call");
      const span = toolSpan(receiver.spans, "echo");
      expect(event).toMatchObject({ projectId: "proj_register", resourceName: "echo" });
      // Same request, seen by both exporters.
      expect(event?.sessionId).toBe(span?.attributes[ATTR_MCP_SESSION_ID]);
      // MCPCAT_CAPTURE_CONTENT reached the instrumentation: content on both sides.
      expect(span?.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).toContain("hello");
      expect(JSON.stringify(event?.parameters)).toContain("hello");
      expect(run.stderr()).not.toContain("[otel error]");
    },
  );

  it("sends to MCPCat only when no OTLP endpoint is set, with no errors about a missing collector", async () => {
    const run = await connectStdio("esm", {
      MCPCAT_PROJECT_ID: "proj_only",
      MCPCAT_API_URL: api.url,
      MCPCAT_STATELESS: "1",
    });
    await run.client.callTool({ name: "echo", arguments: { text: "hello" } });
    await run.client.close();
    await until(() => api.events.some((e) => e.eventType === "mcp:tools/call"), "the event");
    expect(api.violations).toEqual([]);
    // Stateless: MCPCat groups the events itself.
    for (const body of api.accepted.values()) expect(body.session_id).toBeNull();
    expect(run.stderr()).not.toMatch(/\[otel (error|warn)\]/);
    // Nothing was left to retry against localhost:4318: the server exited at once, by itself.
    expect(run.stderr()).toContain("fixture: exit 0");
  });

  it("keeps OTLP when the MCPCat URL is invalid, and says why", async () => {
    const run = await connectStdio("cjs", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      MCPCAT_PROJECT_ID: "proj_bad_url",
      MCPCAT_API_URL: "not a url",
    });
    await run.client.callTool({ name: "echo", arguments: { text: "hello" } });
    await run.client.close();
    await until(() => toolSpan(receiver.spans, "echo") !== undefined, "the OTLP span");
    expect(run.stderr()).toMatch(/\[otel error\] mcpcat-otel\/register MCPCat export is off/);
    expect(api.requests).toEqual([]);
  });
});

describe("register with the AgentCat names, and metrics", () => {
  interface OtlpHistogram {
    name: string;
    unit?: string;
    histogram?: {
      dataPoints: { count: string | number; explicitBounds: number[]; attributes?: unknown[] }[];
    };
  }
  /** Every histogram the receiver got, by name, from OTLP/JSON metric requests. */
  function histograms(receiver: OtlpReceiver): Map<string, OtlpHistogram[]> {
    const out = new Map<string, OtlpHistogram[]>();
    for (const request of receiver.metricRequests as {
      resourceMetrics?: { scopeMetrics?: { metrics?: OtlpHistogram[] }[] }[];
    }[]) {
      for (const rm of request.resourceMetrics ?? []) {
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) out.set(m.name, [...(out.get(m.name) ?? []), m]);
        }
      }
    }
    return out;
  }

  it("reads AGENTCAT_PROJECT_ID / AGENTCAT_API_URL (current vocabulary) and exports the MCP histograms over OTLP", async () => {
    const api = await new FakeMcpcatApi("agentcat").start();
    try {
      const run = await connectStdio("esm", {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
        AGENTCAT_PROJECT_ID: "proj_agentcat",
        AGENTCAT_API_URL: api.url,
        MCPCAT_API_URL: "http://127.0.0.1:1",
      });
      await run.client.callTool({ name: "echo", arguments: { text: "hello" } });
      await run.client.close();
      await until(() => api.events.some((e) => e.eventType === "mcp:tools/call"), "the event");
      expect(api.violations).toEqual([]);
      expect(api.events.every((e) => e.projectId === "proj_agentcat")).toBe(true);
      // The server's exit flushes the meter provider. (No session duration: the SDK's stdio
      // server transport does not close when stdin ends, so the session never ends in the SDK.)
      await until(
        () => histograms(receiver).has("mcp.server.operation.duration"),
        "the metrics at exit",
      );
      const found = histograms(receiver);
      const operations = found.get("mcp.server.operation.duration") ?? [];
      const points = operations.flatMap((m) => m.histogram?.dataPoints ?? []);
      expect(points.reduce((n, p) => n + Number(p.count), 0)).toBe(2); // initialize, tools/call
      expect(operations[0]?.unit).toBe("s");
      expect(points[0]?.explicitBounds).toEqual(MCP_DURATION_BUCKETS);
      expect(JSON.stringify(points)).not.toContain("mcp.session.id");
      expect(run.stderr()).not.toContain("[otel error]");
    } finally {
      await api.close();
    }
  });
});

describe("register when misconfigured or turned off", () => {
  it("warns and falls back on an unknown protocol and exporter; the server works", async () => {
    const run = await connectStdio("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "carrier-pigeon",
      OTEL_TRACES_EXPORTER: "zipkin,otlp",
    });
    const result = await run.client.callTool({ name: "echo", arguments: { text: "still works" } });
    expect(result.content).toEqual([{ type: "text", text: "still works" }]);
    await run.client.close();
    await until(() => toolSpan(receiver.spans, "echo") !== undefined, "the OTLP span");
    expect(toolSpan(receiver.spans, "echo")?.encoding).toBe("protobuf");
    expect(run.stderr()).toContain('unsupported OTLP traces protocol "carrier-pigeon"');
    expect(run.stderr()).toContain('"zipkin" is not supported');
  });

  it("starts one SDK when preloaded twice (-r and --import)", async () => {
    const { child, out, exited } = spawnRaw("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      NODE_OPTIONS: "-r mcpcat-otel/register",
    });
    await initializeAndCallEcho(child, out);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(
      receiver.spans.filter((s) => s.attributes[ATTR_GEN_AI_TOOL_NAME] === "echo"),
    ).toHaveLength(1);
    expect(out.stderr).not.toMatch(/\[otel (error|warn)\]/);
  });

  it("stays out of the way with OTEL_SDK_DISABLED=true", async () => {
    const run = await connectStdio("cjs", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SDK_DISABLED: "true",
    });
    await run.client.callTool({ name: "echo", arguments: { text: "x" } });
    await run.client.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toEqual([]);
  });

  it("exports nothing with OTEL_TRACES_EXPORTER=none", async () => {
    const run = await connectStdio("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    });
    await run.client.callTool({ name: "echo", arguments: { text: "x" } });
    await run.client.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toEqual([]);
  });
});
