import { readdirSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_USER_ID,
} from "../src/semconv.js";
import { until } from "./helpers/child.js";
import { runClient, startHttpExample } from "./helpers/examples.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import { OtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.js";

const EXPECTED_OUTPUT = [
  "tools: add, divide",
  "add(2, 3) = 5",
  "divide(1, 0) = cannot divide by zero (tool error)",
];
const toolCalls = (spans: ReceivedSpan[]) =>
  spans.filter((s) => s.attributes[ATTR_GEN_AI_TOOL_NAME]);
// Exercised below; a new example without a test here fails the first test.
const COVERED = [
  "client.ts",
  "http-stateful.ts",
  "http-stateless.ts",
  "sdk-both.ts",
  "sdk-mcpcat.ts",
  "sdk-otlp.ts",
  "stdio-server.ts",
];

let receiver: OtlpReceiver;
let api: FakeMcpcatApi;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
  api = await new FakeMcpcatApi().start();
});
afterEach(async () => {
  await Promise.all([receiver.close(), api.close()]);
});

describe("examples", () => {
  it("are all run here, and all type-checked by `npm run typecheck`", () => {
    expect(readdirSync(new URL("../examples", import.meta.url)).sort()).toEqual(COVERED);
    const tsconfig = JSON.parse(readFileSync(new URL("../tsconfig.json", import.meta.url), "utf8"));
    expect(tsconfig.include).toContain("examples");
  });

  it("stdio-server.ts under `--import mcpcat-otel/register`, called by client.ts over stdio", async () => {
    const stdout = await runClient(
      ["node", "--import", "mcpcat-otel/register", "examples/stdio-server.ts"],
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    );
    for (const line of EXPECTED_OUTPUT) expect(stdout).toContain(line);
    await until(() => toolCalls(receiver.spans).length === 2, "two tools/call spans");
    for (const span of toolCalls(receiver.spans)) {
      expect(span.attributes[ATTR_NETWORK_TRANSPORT]).toBe("pipe");
    }
    expect(
      toolCalls(receiver.spans).find((s) => s.name === "tools/call divide")?.attributes,
    ).toMatchObject({
      "error.type": "tool_error",
    });
  });

  it("http-stateless.ts: identify reads each caller's header; no session attribute", async () => {
    const server = await startHttpExample(["examples/http-stateless.ts"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    const [alice, bob] = await Promise.all([
      runClient([server.url, "alice"]),
      runClient([server.url, "bob"]),
    ]);
    for (const line of EXPECTED_OUTPUT) expect(alice).toContain(line);
    expect(bob).toContain("add(2, 3) = 5");
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const calls = toolCalls(receiver.spans);
    expect(calls).toHaveLength(4);
    expect(calls.filter((s) => s.attributes[ATTR_USER_ID] === "alice")).toHaveLength(2);
    expect(calls.filter((s) => s.attributes[ATTR_USER_ID] === "bob")).toHaveLength(2);
    for (const span of receiver.spans) {
      expect(span.attributes).not.toHaveProperty(ATTR_MCP_SESSION_ID);
    }
    expect(calls[0]?.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("example-client");
  });

  it("http-stateful.ts under sdk-otlp.ts: one session id per client, on every span", async () => {
    const server = await startHttpExample(
      ["--import", "./examples/sdk-otlp.ts", "examples/http-stateful.ts"],
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    );
    await Promise.all([runClient([server.url, "alice"]), runClient([server.url, "bob"])]);
    server.child.kill("SIGTERM");
    // The app handles SIGTERM (closes its sessions and listener): it exits by itself.
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const calls = toolCalls(receiver.spans);
    expect(calls).toHaveLength(2);
    const sessions = new Set(receiver.spans.map((s) => s.attributes[ATTR_MCP_SESSION_ID]));
    expect(sessions.size).toBe(2);
    for (const id of sessions) expect(id).toEqual(expect.any(String));
  });

  it("sdk-mcpcat.ts: MCPCat events only", async () => {
    const stdout = await runClient(
      ["node", "--import", "./examples/sdk-mcpcat.ts", "examples/stdio-server.ts"],
      { MCPCAT_PROJECT_ID: "proj_examples", MCPCAT_API_URL: api.url },
    );
    expect(stdout).toContain("add(2, 3) = 5");
    await until(
      () => api.events.filter((e) => e.eventType === "mcp:tools/call").length === 2,
      "events",
    );
    expect(api.violations).toEqual([]);
    expect(api.events.map((e) => e.resourceName)).toEqual(
      expect.arrayContaining(["add", "divide"]),
    );
    expect(receiver.requests).toEqual([]);
  });

  it("sdk-both.ts: OTLP spans and MCPCat events from the same calls", async () => {
    await runClient(["node", "--import", "./examples/sdk-both.ts", "examples/stdio-server.ts"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      MCPCAT_PROJECT_ID: "proj_examples",
      MCPCAT_API_URL: api.url,
    });
    await until(() => toolCalls(receiver.spans).length === 2, "two spans");
    await until(
      () => api.events.filter((e) => e.eventType === "mcp:tools/call").length === 2,
      "events",
    );
    expect(api.violations).toEqual([]);
    const spanSessions = new Set(
      toolCalls(receiver.spans).map((s) => s.attributes[ATTR_MCP_SESSION_ID]),
    );
    const eventSessions = new Set(
      api.events.filter((e) => e.eventType === "mcp:tools/call").map((e) => e.sessionId),
    );
    expect(eventSessions).toEqual(spanSessions);
  });
});
