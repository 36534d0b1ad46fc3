// `npm run demo`: an instrumented stateless Streamable HTTP MCP server, a few users calling it
// at the same time, and what was recorded: the spans, the MCPCat events they map to, and the
// spans as an OTLP JSON file. `npm run demo -- --otlp <url>` sends the spans to a collector
// instead of writing the file; with MCPCAT_PROJECT_ID set, the events also go to MCPCat.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SpanKind } from "@opentelemetry/api";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { eventTable, spanTable } from "./report.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUTPUT = "demo-output/spans.otlp.json";

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--otlp") options.otlpUrl = argv[++i];
    else if (arg.startsWith("--otlp=")) options.otlpUrl = arg.slice("--otlp=".length);
    else if (arg === "--help" || arg === "-h") options.help = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if ("otlpUrl" in options && !/^https?:\/\//.test(options.otlpUrl ?? "")) {
    throw new UsageError("--otlp needs an http(s) URL, e.g. --otlp http://localhost:4318");
  }
  return options;
}

/**
 * The demo runs the package as a user gets it: from dist/, built first when missing. The
 * build's own output is shown only when it fails.
 */
function ensureBuilt() {
  if (existsSync(new URL("../dist/index.mjs", import.meta.url))) return;
  console.log("Building mcpcat-otel first (npm run build)...");
  const npm = process.env.npm_execpath;
  const quiet = { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] };
  const result = npm
    ? spawnSync(process.execPath, [npm, "run", "--silent", "build"], quiet)
    : spawnSync("npm", ["run", "--silent", "build"], { ...quiet, shell: true });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    throw new Error("npm run build failed");
  }
}

async function main() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 15)) {
    process.stderr.write(`mcpcat-otel needs Node >= 22.15; this is ${process.versions.node}\n`);
    return 1;
  }
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log("usage: npm run demo [-- --otlp <collector url>]");
    return 0;
  }
  ensureBuilt();
  const mcpcatOtel = await import("mcpcat-otel");
  const { startTelemetry } = await import("./telemetry.mjs");
  const projectId = process.env.MCPCAT_PROJECT_ID?.trim() || undefined;
  const { sdk, memory, mcpcat, warnings } = startTelemetry(mcpcatOtel, {
    otlpUrl: options.otlpUrl,
    projectId,
  });

  const { startServer } = await import("./server.mjs");
  const { runUsers, USERS } = await import("./users.mjs");
  const server = await startServer();
  console.log(
    `Stateless MCP server on ${server.url}; alice, bob, carol and an anonymous client call it at once.\n`,
  );
  await runUsers(server.url);
  await server.close();

  const all = memory.getFinishedSpans();
  const spans = all
    // The server's spans; the clients (in this process too) made a CLIENT span per request.
    .filter(
      (span) => span.kind === SpanKind.SERVER && span.attributes["mcp.method.name"] !== undefined,
    )
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  console.log(`Spans recorded (${spans.length}, one per MCP request the server handled):\n`);
  console.log(spanTable(spans));

  const events = spans
    .map((span) => mcpcatOtel.spanToEvent(span, { projectId: projectId ?? "proj_demo" }))
    .filter((event) => event !== null);
  console.log(
    `\nMCPCat events they map to (${events.length}; sessionId null: MCPCat groups a stateless server's events itself):\n`,
  );
  console.log(eventTable(events));

  const otlpJson = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(all)));
  const text = JSON.stringify(otlpJson, null, 2);
  const problems = selfCheck(mcpcatOtel, `${text}\n${JSON.stringify(events)}`, spans, USERS);
  console.log();
  try {
    await sdk.shutdown(); // exports what is batched (OTLP, MCPCat)
  } catch (error) {
    console.error(`Could not send the spans: ${error?.message ?? error}`);
    return 1;
  }
  if (options.otlpUrl) {
    console.log(
      `Sent ${all.length} spans (the clients' CLIENT spans included) to the collector at ${options.otlpUrl} (OTLP/HTTP protobuf).`,
    );
  } else {
    mkdirSync(new URL("../demo-output", import.meta.url), { recursive: true });
    writeFileSync(new URL(`../${OUTPUT}`, import.meta.url), `${text}\n`);
    console.log(
      `Wrote ${all.length} spans (the clients' CLIENT spans included) as OTLP JSON to ${OUTPUT} (what a collector receives).`,
    );
    console.log("Send them to a collector instead: npm run demo -- --otlp http://localhost:4318");
  }
  if (mcpcat) {
    const stats = mcpcat.getStats();
    console.log(
      `MCPCat: ${stats.sent} events accepted for project ${projectId} (${stats.droppedFailed} failed).`,
    );
    // The exporter says why through diag (an HTTP status, a refused connection): show it.
    const why = warnings.filter((line) => line.includes("MCPCatExporter")).at(-1);
    if (stats.droppedFailed > 0)
      problems.push(`MCPCat did not accept ${stats.droppedFailed} events. ${why ?? ""}`.trim());
  } else {
    console.log("Set MCPCAT_PROJECT_ID to send these events to MCPCat as well.");
  }
  console.log();
  for (const problem of problems) console.error(`PROBLEM: ${problem}`);
  if (problems.length > 0) return 1;
  console.log(
    `Verified: each of the ${spans.length} server spans names its own caller (${Object.values(
      CALLERS,
    )
      .map((u) => u ?? "anonymous")
      .join(
        ", ",
      )}) though they called at once; no span or event carries a session id; no bearer token is in the spans, the events or the OTLP file.`,
  );
  return 0;
}

/** Each client's caller, by the client name it sends: what every span must agree with. */
const CALLERS = {
  "alice-agent": "alice",
  "bob-agent": "bob",
  "carol-agent": "carol",
  "anonymous-agent": undefined,
};

/**
 * What the demo promises, checked on what was recorded: every server span carries the user of
 * the client that sent it (never another caller's), no session id, no token anywhere.
 */
function selfCheck(mcpcatOtel, exportedText, spans, users) {
  const problems = [];
  if (exportedText.includes(mcpcatOtel.ATTR_MCP_SESSION_ID) || /"sessionId":"/.test(exportedText))
    problems.push("a span or event of the stateless server has a session id");
  for (const token of Object.keys(users)) {
    if (exportedText.includes(token)) problems.push("a bearer token was recorded");
  }
  for (const span of spans) {
    const client = span.attributes[mcpcatOtel.ATTR_MCPCAT_CLIENT_NAME];
    const user = span.attributes[mcpcatOtel.ATTR_USER_ID];
    if (!(client in CALLERS)) problems.push(`span ${span.name} has no known client (${client})`);
    else if (CALLERS[client] !== user)
      problems.push(`span ${span.name} from ${client} names ${user ?? "nobody"} as its caller`);
  }
  for (const caller of Object.values(CALLERS)) {
    if (caller && !spans.some((span) => span.attributes[mcpcatOtel.ATTR_USER_ID] === caller))
      problems.push(`no span identifies ${caller}`);
  }
  return problems;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      console.error(`demo: ${error.message}\nusage: npm run demo [-- --otlp <collector url>]`);
      process.exitCode = 2;
      return;
    }
    console.error(`demo failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
  },
);
