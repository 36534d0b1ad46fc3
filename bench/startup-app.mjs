// What bench/startup.mjs starts: an MCP server's module graph (the SDK's server, stdio and
// Streamable HTTP modules, and with them its protocol.js).
import "@modelcontextprotocol/sdk/server/mcp.js";
import "@modelcontextprotocol/sdk/server/stdio.js";
import "@modelcontextprotocol/sdk/server/streamableHttp.js";

// With STARTUP_APP_OTEL=1, also OpenTelemetry's NodeSDK graph: as many modules as register loads,
// to see what the hook costs per module loaded.
if (process.env.STARTUP_APP_OTEL) await import("@opentelemetry/sdk-node");

// For bench/startup.mjs: this process's CPU time, as the last line of stdout.
if (process.env.STARTUP_APP_REPORT) {
  process.on("exit", () => process.stdout.write(`\n${JSON.stringify(process.cpuUsage())}\n`));
}
