import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, runToEnd } from "./helpers/child.js";
import { OtlpReceiver, otlpJsonTracesTo } from "./helpers/otlp-receiver.js";
import { waitFor } from "./helpers/tracing.js";

// Each fixture is a separate Node process that uses the built package ("mcpcat-otel" resolves
// to dist/ through the package's own exports map) with NodeSDK and exports OTLP/JSON to us.
let collector: OtlpReceiver;
let otelEnv: Record<string, string>;
beforeEach(async () => {
  collector = await new OtlpReceiver().start();
  otelEnv = otlpJsonTracesTo(collector);
});
afterEach(() => collector.close());

function mcpSpanNames() {
  return collector.sortedSpans
    .filter((span) => span.kind === 2 && span.attributes["mcp.method.name"] !== undefined)
    .map((span) => span.name);
}

describe("consumer processes register with NodeSDK and get spans, no manual call", () => {
  const cases: [string, string[], string][] = [
    ["ESM, SDK imported after NodeSDK.start()", ["esm-inline.mjs"], "esm-user"],
    [
      "ESM, SDK imported statically, NodeSDK from --import",
      ["--import", "./otel-setup.mjs", "esm-static.mjs"],
      "fixture-user",
    ],
    [
      "ESM with the import-in-the-middle loader hook",
      ["--import", "./loader-hook.mjs", "--import", "./otel-setup.mjs", "esm-static.mjs"],
      "fixture-user",
    ],
    ["CommonJS, require() after NodeSDK.start()", ["cjs-consumer.cjs"], "cjs-user"],
    ["CommonJS, SDK required before NodeSDK.start()", ["cjs-required-first.cjs"], "cjs-user"],
  ];
  for (const [title, args, user] of cases) {
    it(title, async () => {
      const run = await runToEnd(args, { ...otelEnv, FIXTURE_USER: "fixture-user" });
      expect(run.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, "")).toBe(
        "",
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      await waitFor(() => mcpSpanNames().length >= 2, "spans at the collector");
      expect(mcpSpanNames()).toEqual(["initialize", "tools/call add"]);
      const call = collector.sortedSpans.find(
        (span) => span.name === "tools/call add" && span.kind === 2,
      )!;
      expect(call.kind).toBe(2); // OTLP SPAN_KIND_SERVER
      expect(call.attributes["user.id"]).toBe(user);
      expect(call.attributes["mcpcat.server.name"]).toBe("consumer-server");
    });
  }
});

describe("install paths", () => {
  it("the CommonJS build works from a path with %, # and a space in it", async () => {
    const root = mkdtempSync(join(tmpdir(), "mcpcat 100% #1-"));
    try {
      const home = join(root, "node_modules", "mcpcat-otel");
      mkdirSync(home, { recursive: true });
      cpSync(join(FIXTURES, "../../dist"), join(home, "dist"), { recursive: true });
      cpSync(join(FIXTURES, "../../package.json"), join(home, "package.json"));
      const script = [
        `const { McpInstrumentation } = require(${JSON.stringify(join(home, "dist/index.cjs"))});`,
        "const instrumentation = new McpInstrumentation();",
        "process.stderr.write(instrumentation.isEnabled() ? 'enabled' : 'disabled');",
      ].join("\n");
      const run = await runToEnd(["-e", script], {
        NODE_PATH: join(FIXTURES, "../../node_modules"),
        OTEL_LOG_LEVEL: "error",
      });
      expect(run.stderr).toBe("enabled");
      expect(run.code).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("stdio: the server in a child process", () => {
  it("spans for each request, network.transport=pipe, one session id, stdout only JSON-RPC", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "./otel-setup.mjs", "stdio-server.mjs"],
      cwd: FIXTURES,
      env: { ...(process.env as Record<string, string>), ...otelEnv, FIXTURE_USER: "stdio-user" },
      stderr: "pipe",
    });
    const protocolErrors: Error[] = [];
    const client = new Client({ name: "stdio-client", version: "1.0.0" });
    client.onerror = (error) => protocolErrors.push(error);
    await client.connect(transport);
    await client.callTool({ name: "ok", arguments: {} });
    const failed = await client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    await client.close(); // ends stdin: the server flushes its spans and exits
    expect(protocolErrors).toEqual([]); // a non-JSON line on stdout would be an error here

    await waitFor(() => mcpSpanNames().length >= 3, "stdio spans", 10_000);
    expect(mcpSpanNames()).toEqual(["initialize", "tools/call ok", "tools/call fail"]);
    const spans = collector.sortedSpans;
    const sessions = new Set(spans.map((span) => span.attributes["mcp.session.id"]));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).toMatch(/^[0-9a-f-]{36}$/);
    for (const span of spans.filter((s) => s.attributes["mcp.method.name"])) {
      expect(span.attributes["network.transport"]).toBe("pipe");
      expect(span.attributes["mcpcat.client.name"]).toBe("stdio-client");
      expect(span.attributes["user.id"]).toBe("stdio-user");
    }
    const fail = spans.find((span) => span.name === "tools/call fail")!;
    expect(fail.attributes["error.type"]).toBe("tool_error");
    expect(fail.status).toMatchObject({ code: 2, message: "nope" });
    expect(spans.filter((span) => span.name === "mcpcat:identify")).toHaveLength(1);
  });
});
