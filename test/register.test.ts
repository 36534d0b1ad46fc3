import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_TRANSPORT,
} from "../src/semconv.js";
import { connectStdio, type ModuleKind, until } from "./register-helpers/child.js";
import { OtlpReceiver, type ReceivedSpan } from "./register-helpers/otlp-receiver.js";

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
    expect(toolSpan(receiver.spans, "fail")?.attributes["error.type"]).toBe("tool_error");
    expect(receiver.spans.map((s) => s.name)).toContain("initialize");
    // The server ended by itself when stdin closed (not by the client's SIGTERM), flushing.
    expect(run.stderr()).toContain("fixture: exit 0");
  });
});
