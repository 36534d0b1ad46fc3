/*
 * `register` preloaded beside the app's own NodeSDK. Started in the app's main module, the
 * app's SDK keeps its globals and its spans (register holds its own back until the first MCP
 * connection and fills only what is empty); preloaded before register, it gets McpInstrumentation.
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, expect, it } from "vitest";
import { cleanEnv, FIXTURES, runToEnd, until } from "./helpers/child.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(() => receiver.close());

/** Runs the self-tracing stdio server (plain, or with `preload`), calls its tool twice, ends it. */
async function runOwnSdkServer(preload: string[], app: OtlpReceiver, extra = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...preload, "own-sdk-stdio-server.mjs"],
    cwd: FIXTURES,
    env: cleanEnv({
      FIXTURE_APP_OTLP: app.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, // register's destination, never the app's
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "from-env",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      ...extra,
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "own-sdk-test", version: "0.0.1" });
  await client.connect(transport);
  for (let i = 0; i < 2; i++) await client.callTool({ name: "work", arguments: {} });
  await client.close();
  const target = "FIXTURE_NO_SDK" in extra ? receiver : app;
  await until(() => target.spans.filter((s) => s.name === "app.work").length >= 2, "app spans");
  await new Promise((resolve) => setTimeout(resolve, 300)); // anything more would have come
  return { stderr };
}

it("a server that starts its own NodeSDK in its main module keeps its spans under register; MCP spans go to register's exporter", async () => {
  const plainApp = await new OtlpReceiver().start();
  const registeredApp = await new OtlpReceiver().start();
  try {
    const plain = await runOwnSdkServer([], plainApp);
    expect(receiver.spans).toEqual([]); // no register: nothing at its destination
    const registered = await runOwnSdkServer(["--import", "mcpcat-otel/register"], registeredApp);
    const summary = (app: OtlpReceiver) =>
      app.spans.map((s) => `${s.name} ${s.resource["service.name"]}`).sort();
    // The app's own spans arrive where the app sends them, exactly as without register.
    expect(summary(plainApp)).toEqual(["app.work the-apps-own-name", "app.work the-apps-own-name"]);
    expect(summary(registeredApp)).toEqual(summary(plainApp));
    expect(registered.stderr).toBe(plain.stderr);
    expect(registered.stderr).not.toMatch(/duplicate registration/);
    // MCP spans go to register's destination, under register's service name; the app's spans
    // made inside a tool call keep the app's own context (no parent its backend never gets).
    await until(
      () => receiver.spans.filter((s) => s.name === "tools/call work").length === 2,
      "MCP spans",
    );
    const calls = receiver.spans.filter((s) => s.name === "tools/call work");
    expect(new Set(receiver.spans.map((s) => s.resource["service.name"]))).toEqual(
      new Set(["from-env"]),
    );
    expect(calls).toHaveLength(2);
    expect(registeredApp.spans.map((s) => s.parentSpanId)).toEqual(
      plainApp.spans.map((s) => s.parentSpanId),
    );
  } finally {
    await plainApp.close();
    await registeredApp.close();
  }
}, 60_000);

it("a server with no telemetry of its own: register's globals, filled at the first MCP traffic, carry its spans as children of the MCP spans", async () => {
  const unused = await new OtlpReceiver().start();
  try {
    await runOwnSdkServer(["--import", "mcpcat-otel/register"], unused, { FIXTURE_NO_SDK: "1" });
    await until(
      () => receiver.spans.filter((s) => s.name === "tools/call work").length === 2,
      "MCP spans",
    );
    const calls = receiver.spans.filter((s) => s.name === "tools/call work");
    const work = receiver.spans.filter((s) => s.name === "app.work");
    expect(work.map((s) => s.parentSpanId).sort()).toEqual(calls.map((s) => s.spanId).sort());
    expect(new Set(receiver.spans.map((s) => s.resource["service.name"]))).toEqual(
      new Set(["from-env"]),
    );
    expect(unused.spans).toEqual([]);
  } finally {
    await unused.close();
  }
}, 60_000);

it("an app that sets up its own SDK only after its first MCP connection is told so in one line", async () => {
  const run = await runToEnd(
    ["--import", "mcpcat-otel/register", "own-sdk.mjs"],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "from-env",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    }),
  );
  expect(run.code).toBe(0);
  expect(run.stderr).not.toMatch(/duplicate registration/);
  expect(run.stderr.trim().split("\n")).toEqual([
    "[otel warn] mcpcat-otel/register the app sets up OpenTelemetry after its first MCP " +
      "connection, when register had set up what the app had left empty; the app's (its " +
      "service name, exporters) is not used. Set it up before the app connects, or drop the " +
      "register preload and add McpInstrumentation to the app's NodeSDK",
  ]);
  await until(() => receiver.spans.some((s) => s.kind === 2), "SERVER spans");
  expect([...new Set(receiver.spans.map((s) => s.resource["service.name"]))]).toEqual(["from-env"]);
});

it("preloaded after the app's own SDK: adds McpInstrumentation to it, in one line", async () => {
  const run = await runToEnd(
    ["--import", "./sdk-only-setup.mjs", "--import", "mcpcat-otel/register", "esm-static.mjs"],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    }),
  );
  expect(run.stderr.trim().split("\n")).toEqual([
    "[otel warn] mcpcat-otel/register an OpenTelemetry SDK is already started in this " +
      "process; register starts none and adds McpInstrumentation to it",
  ]);
  expect(run.code).toBe(0);
  await until(() => receiver.spans.some((s) => s.kind === 2), "SERVER spans");
  expect([...new Set(receiver.spans.map((s) => s.resource["service.name"]))]).toEqual([
    "the-apps-own-name",
  ]);
});
