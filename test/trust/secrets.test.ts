import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MCPCatExporter } from "../../src/exporter/mcpcat-exporter.js";
import { captureDiag } from "../helpers/diag.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { httpClient, statefulServer } from "../helpers/http.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import { buildServer } from "../helpers/servers.js";
import { setupTracing, waitFor } from "../helpers/tracing.js";

// Secrets of every kind, sent through every path a request takes; then everything that left
// the process (or could: the SDK's own spans, diag) is searched for them.
const AUTHORIZATION = "Bearer tok-AUTH-9f8e7d6c5b4a";
const COOKIE_VALUE = "sid-COOKIE-1a2b3c4d5e6f";
const SECRET = "pw-REDACTABLE-0a9b8c7d";
const redact = (text: string) => text.replaceAll(SECRET, "[REDACTED]");

const { instrumentation } = setupTracing();
const logs = captureDiag();
const memory = new InMemorySpanExporter();
let receiver: OtlpReceiver;
let api: FakeMcpcatApi;
let provider: TracerProvider;
let sessionId: string;

beforeAll(async () => {
  receiver = await new OtlpReceiver().start();
  api = await new FakeMcpcatApi().start();
  provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "secrets-test" }),
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: memory }),
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }),
        scheduledDelayMillis: 10,
      }),
      new BatchSpanProcessor({
        exporter: new MCPCatExporter({ projectId: "proj_secrets", apiBaseUrl: api.url }),
        scheduledDelayMillis: 10,
      }),
    ],
  });
  instrumentation.setTracerProvider(provider);
  instrumentation.setConfig({
    captureContent: true,
    redact,
    identify: (_request, extra) =>
      extra.requestInfo?.headers.authorization === AUTHORIZATION ? { userId: "alice" } : null,
    eventTags: () => ({ note: `tagged ${SECRET}` }),
    eventProperties: () => ({ note: `property ${SECRET}` }),
  });

  const http = await statefulServer(() => {
    const built = buildServer();
    built.registerTool("fails", {}, async () => {
      throw new Error(`cannot log in with ${SECRET}`);
    });
    built.registerTool("soft", {}, async () => ({
      isError: true,
      content: [{ type: "text", text: `upstream refused ${SECRET}` }],
    }));
    return built;
  });
  const { client, transport } = await httpClient(http.url, {
    authorization: AUTHORIZATION,
    cookie: `session=${COOKIE_VALUE}`,
  });
  sessionId = transport.sessionId!;
  await client.callTool({ name: "echo", arguments: { text: `hello ${SECRET}`, context: SECRET } });
  await client.callTool({ name: "fails", arguments: {} });
  await client.callTool({ name: "soft", arguments: {} });
  await client.getPrompt({ name: `no-such-${SECRET}` }).catch(() => undefined);
  await client.getPrompt({ name: "greet", arguments: { who: SECRET } });
  await client.readResource({ uri: `users://${SECRET}` });
  await client.close();
  await http.close();
  await waitFor(() => api.accepted.size >= 7, "the MCPCat events");
  await provider.forceFlush();
  await waitFor(() => receiver.spans.length === memory.getFinishedSpans().length, "OTLP spans");
}, 30_000);

afterAll(async () => {
  await provider.shutdown();
  await Promise.all([receiver.close(), api.close()]);
});

const SECRETS = { AUTHORIZATION, COOKIE_VALUE, SECRET, "tok-AUTH": "tok-AUTH", sessionId: "" };

describe("nothing exported carries a secret", () => {
  it("the secrets went through the requests (the test is live)", () => {
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    SECRETS.sessionId = sessionId;
    const spans = memory.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "tools/call echo",
        "tools/call fails",
        "tools/call soft",
        "resources/read",
      ]),
    );
    // Redaction happened where the secret was: arguments, result, errors, tags, properties, URI.
    expect(JSON.stringify(spans.map((s) => s.attributes))).toContain("[REDACTED]");
    expect(spans.find((s) => s.name === "tools/call fails")?.status.message).toContain(
      "[REDACTED]",
    );
  });

  const places: Record<string, () => unknown> = {
    "spans (names, attributes, events, status, links, resource)": () =>
      memory.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
        links: s.links,
        resource: s.resource.attributes,
      })),
    "the OTLP collector": () => receiver.spans,
    "MCPCat request bodies": () => api.requests.map((r) => r.body),
    "diag output": () => logs.messages,
  };
  for (const [place, read] of Object.entries(places)) {
    it(place, () => {
      const text = JSON.stringify(read());
      expect(text.length).toBeGreaterThan(2);
      for (const [name, secret] of Object.entries({ ...SECRETS, sessionId })) {
        expect(text.includes(secret), `${name} in ${place}`).toBe(false);
      }
    });
  }
});
