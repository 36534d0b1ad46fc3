import { fileURLToPath } from "node:url";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_ERROR_TYPE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_USER_ID,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { OtlpReceiver, otlpJsonTracesTo } from "../helpers/otlp-receiver.js";
import { waitFor } from "../helpers/tracing.js";
import { v2Client } from "./helpers.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
let collector: OtlpReceiver;
let otelEnv: Record<string, string>;
beforeEach(async () => {
  collector = await new OtlpReceiver().start();
  otelEnv = otlpJsonTracesTo(collector);
});
afterEach(() => collector.close());

function serverSpans() {
  return collector.sortedSpans.filter(
    (span) => span.kind === 2 && span.attributes[ATTR_MCP_METHOD_NAME] !== undefined,
  );
}

describe("SDK v2 stdio: the server in a child process, preloaded with NodeSDK", () => {
  it("a span per request, network.transport=pipe, one session id, stdout only JSON-RPC", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "../../fixtures/otel-setup.mjs", "stdio-server.mjs"],
      cwd: FIXTURES,
      env: { ...(process.env as Record<string, string>), ...otelEnv, FIXTURE_USER: "stdio-user" },
      stderr: "pipe",
    });
    const protocolErrors: Error[] = [];
    const client = v2Client("legacy", "stdio-client");
    client.onerror = (error) => protocolErrors.push(error);
    await client.connect(transport);
    await client.callTool({ name: "ok", arguments: {} });
    const failed = await client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    await client.close(); // ends stdin: the server flushes its spans and exits
    expect(protocolErrors).toEqual([]); // a non-JSON line on stdout would be an error here

    await waitFor(() => serverSpans().length >= 3, "stdio spans", 10_000);
    const spans = serverSpans();
    expect(spans.map((span) => span.name)).toEqual([
      "initialize",
      "tools/call ok",
      "tools/call fail",
    ]);
    const sessions = new Set(spans.map((span) => span.attributes[ATTR_MCP_SESSION_ID]));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).toMatch(/^[0-9a-f-]{36}$/);
    for (const span of spans) {
      expect(span.attributes[ATTR_NETWORK_TRANSPORT]).toBe("pipe");
      expect(span.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("stdio-client");
      expect(span.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("v2-stdio-server");
      expect(span.attributes[ATTR_MCP_PROTOCOL_VERSION]).toBe("2025-11-25");
      expect(span.attributes[ATTR_USER_ID]).toBe("stdio-user");
    }
    const fail = spans.find((span) => span.name === "tools/call fail")!;
    expect(fail.attributes[ATTR_ERROR_TYPE]).toBe("tool_error");
    expect(
      collector.sortedSpans.filter((span) => span.name === MCPCAT_IDENTIFY_SPAN_NAME),
    ).toHaveLength(1);
  });
});
