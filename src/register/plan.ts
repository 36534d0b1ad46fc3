import { getStringFromEnv, getStringListFromEnv } from "@opentelemetry/core";
import { apiUrlFromEnv, projectIdFromEnv } from "../env.js";
import { registerLog } from "../log.js";

/** What `mcpcat-otel/register` sets up, decided from the environment alone. */
export interface RegisterPlan {
  /** Trace exporters by `OTEL_TRACES_EXPORTER` name (`otlp`, `console`); empty for none. */
  traceExporters: string[];
  /** Adds `MCPCatExporter` when set (`AGENTCAT_PROJECT_ID`, else `MCPCAT_PROJECT_ID`). */
  projectId: string | undefined;
  /** `AGENTCAT_API_URL`, else `MCPCAT_API_URL`, for `MCPCatExporter`. */
  apiBaseUrl: string | undefined;
  /**
   * `OTEL_*` values to hold while `NodeSDK` reads its environment (undefined: unset), so that
   * what it builds for metrics and logs never writes to stdout.
   */
  sdkEnv: Record<string, string | undefined>;
}

type Signal = "TRACES" | "METRICS";

/**
 * Reads the environment. The `OTEL_*_EXPORTER` variables mean what they mean to `NodeSDK`,
 * with two differences, both for MCP servers:
 * - `console` writes to stderr for traces (stdout carries a stdio server's JSON-RPC), and is
 *   dropped with a warning for metrics and logs (their console exporters write to stdout);
 * - with `MCPCAT_PROJECT_ID` set, a signal whose exporter is not chosen and whose OTLP
 *   endpoint is not set goes nowhere instead of to `localhost:4318`: setting only the project
 *   id sends to MCPCat only, rather than to a collector that is not there.
 */
export function planFromEnv(): RegisterPlan {
  const projectId = projectIdFromEnv();
  const traces = exporterNames("TRACES", projectId !== undefined);
  if (traces.includes("none") && traces.length > 1) {
    registerLog.warn(
      `OTEL_TRACES_EXPORTER=${traces.join(",")}: "none" wins, no trace exporter is set up`,
    );
  }
  return {
    traceExporters: traces.includes("none") ? [] : traces,
    projectId,
    apiBaseUrl: apiUrlFromEnv(),
    sdkEnv: {
      OTEL_LOG_LEVEL: undefined, // read by installStderrDiagLogger(); NodeSDK's logger uses stdout
      OTEL_METRICS_EXPORTER: withoutConsole("METRICS", projectId !== undefined),
      // MCP instrumentation emits no logs, and a logger provider registered at preload would
      // take the app's place (register holds back only what the traces and metrics need).
      OTEL_LOGS_EXPORTER: "none",
    },
  };
}

function exporterNames(signal: Signal, mcpcatOnlyByDefault: boolean): string[] {
  const names = [...new Set(getStringListFromEnv(`OTEL_${signal}_EXPORTER`) ?? [])].filter(
    (name) => name !== "" && name !== "null",
  );
  if (names.length > 0) return names;
  return mcpcatOnlyByDefault && !otlpEndpointSet(signal) ? ["none"] : ["otlp"];
}

function otlpEndpointSet(signal: Signal): boolean {
  return (
    getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT") !== undefined ||
    getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) !== undefined
  );
}

function withoutConsole(signal: Signal, mcpcatOnlyByDefault: boolean): string {
  const names = exporterNames(signal, mcpcatOnlyByDefault);
  if (!names.includes("console")) return names.join(",");
  registerLog.warn(
    `OTEL_${signal}_EXPORTER=console is ignored by mcpcat-otel/register: it writes to stdout, ` +
      "which a stdio MCP server uses for the protocol",
  );
  const rest = names.filter((name) => name !== "console");
  return rest.length > 0 ? rest.join(",") : "none";
}

/** Runs `fn` with `overrides` in `process.env`, then puts the previous values back. */
export function withEnv<T>(overrides: Record<string, string | undefined>, fn: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(overrides)) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
