// The floor, made by hand with the OpenTelemetry SDK: every request handler of a server wrapped
// so that one SERVER span is active while the request is handled, ended when it settles.
import { SpanKind } from "@opentelemetry/api";

export const IDENTITY = { userId: "user-42", userName: "Bench User" };

function endWith(span, promise) {
  return promise.then(
    (result) => {
      span.end();
      return result;
    },
    (error) => {
      span.end();
      throw error;
    },
  );
}

/**
 * `afterTools` hook that wraps every handler. With `attributes`, the span also carries what
 * McpInstrumentation records on a stateful tools/call at defaults: 10 attributes given at start
 * and 3 set after, which isolates what the attributes alone cost in the SDK.
 */
export function bareSpanHook(tracer, { attributes = false } = {}) {
  const sessionId = crypto.randomUUID();
  const wrap = (method, handler) => (request, extra) => {
    const target = request.params?.name;
    const name = typeof target === "string" ? `${method} ${target}` : method;
    if (!attributes) {
      const options = { kind: SpanKind.SERVER, attributes: { "mcp.method.name": method } };
      return tracer.startActiveSpan(name, options, (span) =>
        endWith(span, handler(request, extra)),
      );
    }
    const start = {
      "mcp.method.name": method,
      "jsonrpc.request.id": String(request.id),
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": target,
      "mcp.protocol.version": "2025-06-18",
      "mcp.session.id": sessionId,
      "mcpcat.server.name": "bench-server",
      "mcpcat.server.version": "1.0.0",
      "mcpcat.client.name": "bench-client",
      "mcpcat.client.version": "1.0.0",
    };
    return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes: start }, (span) => {
      span.setAttribute("user.id", IDENTITY.userId);
      span.setAttribute("user.name", IDENTITY.userName);
      span.setAttribute("mcpcat.user_intent", request.params?.arguments?.context ?? "");
      return endWith(span, handler(request, extra));
    });
  };
  return (server) => {
    const handlers = server.server._requestHandlers;
    for (const [method, handler] of handlers) handlers.set(method, wrap(method, handler));
  };
}
