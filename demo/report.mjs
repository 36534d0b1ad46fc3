// Renders what the demo recorded: the spans, and the MCPCat events they map to.
import { SpanStatusCode } from "@opentelemetry/api";

const MISSING = "-";

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const ms = (span) => (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(1);

function statusOf(span) {
  const a = span.attributes;
  if (span.status.code === SpanStatusCode.ERROR) {
    return `ERROR ${a["error.type"]}: ${span.status.message ?? ""}`.trim();
  }
  const code = a["rpc.response.status_code"];
  return code === undefined ? "ok" : `ok (client error ${code})`;
}

/** The span table: one row per MCP span, in start order. */
export function spanTable(spans) {
  const rows = spans.map((span) => {
    const a = span.attributes;
    const target =
      a["gen_ai.tool.name"] ?? a["gen_ai.prompt.name"] ?? a["mcp.resource.uri"] ?? MISSING;
    const user = a["user.id"] ? `${a["user.id"]} (${a["user.name"] ?? ""})` : "anonymous";
    const session = a["mcp.session.id"] ?? "none (stateless)";
    return [
      a["mcp.method.name"],
      target,
      user,
      a["mcpcat.client.name"] ?? MISSING,
      session,
      `${ms(span)} ms`,
      statusOf(span),
    ];
  });
  return table(["method", "target", "user", "client", "session", "duration", "status"], rows);
}

/** The events `MCPCatExporter` would send for these spans (spans without one are left out). */
export function eventTable(events) {
  const rows = events.map((e) => [
    e.eventType,
    e.resourceName ?? MISSING,
    e.identifyActorGivenId ?? MISSING,
    e.identifyActorName ?? MISSING,
    String(e.sessionId),
    `${e.duration} ms`,
    e.isError ? `error: ${e.error?.message ?? ""}` : "",
    e.userIntent ?? "",
  ]);
  return table(
    [
      "eventType",
      "resourceName",
      "actor id",
      "actor name",
      "sessionId",
      "duration",
      "isError",
      "userIntent",
    ],
    rows,
  );
}
