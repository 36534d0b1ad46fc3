// The configurations under test. Each `setup(ctx)` runs once in its own process and returns:
//   hooks   - { beforeTools?(server), afterTools?(server) }, applied to every server made
//   unit    - "spans" or "events": what `count()` counts
//   count() - flushes, then returns how many spans/events were produced (or delivered) so far
//   shutdown()
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SpanKind, trace } from "@opentelemetry/api";
import { setupCountedTracing } from "./otel.mjs";
import { peerConfigs } from "./peers.mjs";

export const IDENTITY = { userId: "user-42", userName: "Bench User" };
const DIST = new URL("../../dist/index.mjs", import.meta.url);

/** Imports the built package (run `npm run build` at the root first). */
export async function importPackage() {
  if (!existsSync(fileURLToPath(DIST))) {
    throw new Error("dist/index.mjs is missing: run `npm run build` at the repository root first");
  }
  return import(DIST.href);
}

/** Is McpInstrumentation (or MCPCatExporter) in the built package yet? */
export async function packageHas(name) {
  try {
    return typeof (await importPackage())[name] === "function";
  } catch {
    return false;
  }
}

const none = {
  label: "uninstrumented",
  kind: "baseline",
  async setup() {
    return { hooks: {}, unit: "spans", count: async () => 0, shutdown: async () => {} };
  },
};

// The floor: one span per request, made by hand with the OpenTelemetry SDK. Every request
// handler of the server is wrapped so that the span is active while the request is handled.
const bareSpan = {
  label: "bare span (floor)",
  kind: "ours",
  async setup(ctx) {
    const tracing = setupCountedTracing(ctx);
    const tracer = trace.getTracer("bench-bare-span");
    const wrap = (method, handler) => (request, extra) => {
      const target = request.params?.name;
      const name = typeof target === "string" ? `${method} ${target}` : method;
      return tracer.startActiveSpan(
        name,
        { kind: SpanKind.SERVER, attributes: { "mcp.method.name": method } },
        (span) =>
          handler(request, extra).then(
            (result) => {
              span.end();
              return result;
            },
            (error) => {
              span.end();
              throw error;
            },
          ),
      );
    };
    const afterTools = (server) => {
      const handlers = server.server._requestHandlers;
      for (const [method, handler] of handlers) handlers.set(method, wrap(method, handler));
    };
    return { hooks: { afterTools }, ...tracing };
  },
};

// The floor again, carrying the attributes McpInstrumentation records on a stateful tools/call
// span at defaults (10 at start, 3 set after): what the attributes alone cost in the SDK.
const bareSpanAttributes = {
  label: "bare span + the same 13 attributes",
  kind: "diagnostic",
  skipMemory: true,
  async setup(ctx) {
    const tracing = setupCountedTracing(ctx);
    const tracer = trace.getTracer("bench-bare-span");
    const sessionId = crypto.randomUUID();
    const wrap = (method, handler) => (request, extra) => {
      const target = request.params?.name;
      const name = typeof target === "string" ? `${method} ${target}` : method;
      const attributes = {
        "mcp.method.name": method,
        "jsonrpc.request.id": String(request.id),
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": target,
        "mcp.protocol.version": "2025-06-18",
        "mcp.session.id": sessionId,
        "mcp.server.name": "bench-server",
        "mcp.server.version": "1.0.0",
        "mcp.client.name": "bench-client",
        "mcp.client.version": "1.0.0",
      };
      return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, (span) => {
        span.setAttribute("user.id", IDENTITY.userId);
        span.setAttribute("user.name", IDENTITY.userName);
        span.setAttribute("mcpcat.user_intent", request.params?.arguments?.context ?? "");
        return handler(request, extra).then(
          (result) => {
            span.end();
            return result;
          },
          (error) => {
            span.end();
            throw error;
          },
        );
      });
    };
    const afterTools = (server) => {
      const handlers = server.server._requestHandlers;
      for (const [method, handler] of handlers) handlers.set(method, wrap(method, handler));
    };
    return { hooks: { afterTools }, ...tracing };
  },
};

function ours(label, options) {
  return {
    label,
    kind: "ours",
    needs: "McpInstrumentation",
    async setup(ctx) {
      const { McpInstrumentation } = await importPackage();
      const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
      const tracing = setupCountedTracing(ctx);
      const instrumentation = new McpInstrumentation({ identify: () => IDENTITY, ...options });
      registerInstrumentations({
        instrumentations: [instrumentation],
        tracerProvider: tracing.provider,
      });
      return { hooks: {}, ...tracing };
    },
  };
}

/** Every configuration, in the order the tables show them. */
export const CONFIGS = {
  none,
  "bare-span": bareSpan,
  "bare-span-attrs": bareSpanAttributes,
  "mcpcat-otel": ours("McpInstrumentation (defaults)", {}),
  "mcpcat-otel-content": ours("McpInstrumentation (content capture)", { captureContent: true }),
  ...peerConfigs,
};

/** The configurations that need no peer installed (what the smoke test runs). */
export const OWN_CONFIGS = ["none", "bare-span", "mcpcat-otel"];
