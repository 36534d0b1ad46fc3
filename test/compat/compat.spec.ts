/*
 * The compatibility suite (`npm run test:compat`): each SDK fixture (its own install), and each
 * OpenTelemetry generation's app (otel-*: its own install, with mcpcat-otel in it), runs the same scenario as an ES module and as CommonJS, under `--import`/`-r` of the built register
 * entry, from a cwd outside the project, on each Node of the matrix. Every cell must give the
 * same span shapes. The matrix comes from run.mjs (COMPAT_MATRIX); alone, this Node and every
 * installed fixture.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ROOT } from "../helpers/child.js";
import { OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";

interface Cell {
  node: string;
  nodeVersion: string;
  sdk: string;
}
const HERE = join(ROOT, "test", "compat");
const matrix: Cell[] = process.env.COMPAT_MATRIX
  ? JSON.parse(process.env.COMPAT_MATRIX)
  : readdirSync(HERE)
      .filter((name) => existsSync(join(HERE, name, "node_modules", "@modelcontextprotocol")))
      .map((sdk) => ({ node: process.execPath, nodeVersion: process.versions.node, sdk }));

/** What every SDK v1 release must produce: one line per span, sorted (see shapeOf). */
const EXPECTED_V1 = [
  ...["memory", "http session", "http"].flatMap((channel) => [
    // The client learns the session id from the initialize response, after its span started.
    `CLIENT initialize [${channel === "http session" ? "http" : channel}] ok parent=root`,
    `SERVER initialize [${channel}] ok parent=CLIENT initialize`,
    `CLIENT tools/call echo [${channel}] ok parent=root`,
    `SERVER tools/call echo [${channel}] ok parent=CLIENT tools/call echo`,
  ]),
  "CLIENT tools/call fail [memory] error parent=root",
  "SERVER tools/call fail [memory] tool_error parent=CLIENT tools/call fail",
  "CLIENT tools/call slow [memory] error parent=root",
  "SERVER tools/call slow [memory] cancelled parent=CLIENT tools/call slow",
].sort();
/** What every SDK v2 release must produce (scenario-v2.mjs). */
const EXPECTED_V2 = [
  ...["memory", "handler legacy"].flatMap((channel) => [
    `CLIENT initialize [${channel}] ok parent=root`,
    `SERVER initialize [${channel}] ok parent=CLIENT initialize`,
  ]),
  ...["memory", "handler legacy", "handler modern"].flatMap((channel) => [
    `CLIENT tools/call echo [${channel}] ok parent=root`,
    `SERVER tools/call echo [${channel}] ok parent=CLIENT tools/call echo`,
  ]),
  // The modern era's probe: the client sends it outside the traced request path (no CLIENT
  // span, no context to carry), so its SERVER span is a root.
  "SERVER server/discover [handler modern] ok parent=root",
  "CLIENT tools/call fail [memory] error parent=root",
  "SERVER tools/call fail [memory] tool_error parent=CLIENT tools/call fail",
  "CLIENT tools/call slow [memory] error parent=root",
  "SERVER tools/call slow [memory] cancelled parent=CLIENT tools/call slow",
].sort();

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await new OtlpReceiver().start();
});
afterAll(() => receiver.close());

describe.each(matrix)("SDK $sdk on Node $nodeVersion", (cell) => {
  it.each(["esm", "cjs"] as const)("%s: in-memory and HTTP", async (kind) => {
    expect(existsSync(join(HERE, cell.sdk, "node_modules")), "run npm run test:compat").toBe(true);
    const service = `compat-${cell.sdk}-${kind}-${cell.nodeVersion}`;
    const run = await runCell(cell, kind, service);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const spans = receiver.spans.filter((span) => span.resource["service.name"] === service);
    const v2 = cell.sdk.startsWith("v2-");
    expect(shapeOf(spans, v2)).toEqual(v2 ? EXPECTED_V2 : EXPECTED_V1);
    // An OpenTelemetry generation's cell ran on that generation's SDK (otel-2.x: 2.x).
    const generation = /^otel-(\d+)\.x$/.exec(cell.sdk)?.[1];
    if (generation) {
      const versions = new Set(spans.map((span) => span.resource["telemetry.sdk.version"]));
      expect([...versions].map((version) => String(version).split(".")[0])).toEqual([generation]);
    }
  });
});

function runCell(cell: Cell, kind: "esm" | "cjs", service: string) {
  // An OpenTelemetry generation's app (otel-*) preloads mcpcat-otel as installed in it.
  const dist = cell.sdk.startsWith("otel-")
    ? join(HERE, cell.sdk, "node_modules", "mcpcat-otel", "dist")
    : join(ROOT, "dist");
  const preload =
    kind === "esm" ? ["--import", join(dist, "register.mjs")] : ["-r", join(dist, "register.cjs")];
  const app = join(HERE, cell.sdk, kind === "esm" ? "esm.mjs" : "cjs.cjs");
  const child = spawn(cell.node, [...preload, app], {
    cwd: tmpdir(), // not the project: nothing is resolvable from the cwd
    env: cleanEnv({
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stderr += `stdout: ${chunk}`;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stderr })),
  );
}

/**
 * One line per MCP span: kind, name, channel (in-memory, HTTP with a session, HTTP without),
 * outcome, and the parent's kind and name. A CLIENT span's error type is left out: the SDK
 * rejects a cancelled request with a plain error before 1.2x and an McpError after.
 */
function shapeOf(spans: ReceivedSpan[], v2: boolean): string[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const kindName = (span: ReceivedSpan) =>
    span.kind === 2 ? "SERVER" : span.kind === 3 ? "CLIENT" : `kind${span.kind}`;
  return spans
    .filter((span) => span.scope === "mcpcat-otel" && span.attributes["mcp.method.name"])
    .map((span) => {
      const a = span.attributes;
      const http = a["network.transport"] === "tcp";
      // v2's createMcpHandler: legacy era (stateless) or modern era (protocol 2026-07-28).
      const channel = !http
        ? "memory"
        : v2
          ? `handler ${a["mcp.protocol.version"] === "2026-07-28" ? "modern" : "legacy"}`
          : a["mcp.session.id"]
            ? "http session"
            : "http";
      const error = a["error.type"] as string | undefined;
      const outcome =
        span.status.code !== 2
          ? "ok"
          : span.kind === 3
            ? "error"
            : error === "_OTHER"
              ? `_OTHER:${span.status.message}`
              : error;
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      const parentName = parent ? `${kindName(parent)} ${parent.name}` : "root";
      return `${kindName(span)} ${span.name} [${channel}] ${outcome} parent=${parentName}`;
    })
    .sort();
}
