import { format } from "node:util";
import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import { diagLogLevelFromString, getStringFromEnv } from "@opentelemetry/core";

/**
 * A diag logger that writes every level to stderr. The SDK's `DiagConsoleLogger` sends `info`
 * and `debug` to `console.info`/`console.debug`, that is to stdout, which a stdio MCP server
 * uses for JSON-RPC: one `OTEL_LOG_LEVEL=debug` would break the protocol.
 */
export class StderrDiagLogger implements DiagLogger {
  error = foldDuplicateRegistrations(write("error"), write("warn"));
  warn = write("warn");
  info = write("info");
  debug = write("debug");
  verbose = write("verbose");
}

function write(level: string) {
  return (message: string, ...args: unknown[]): void => {
    try {
      process.stderr.write(`[otel ${level}] ${format(message, ...args)}\n`);
    } catch {
      // stderr closed: nothing else to tell.
    }
  };
}

const DUPLICATE = /@opentelemetry\/api: Attempted duplicate registration of API/;

/**
 * The app set up OpenTelemetry of its own after its first MCP connection, when `register` had
 * registered the globals the app had left empty: the API then logs one "duplicate registration"
 * stack trace per global (context, propagation, trace, ...), and the app's settings silently do
 * not apply. One line says so instead.
 */
function foldDuplicateRegistrations(
  error: (message: string, ...args: unknown[]) => void,
  warn: (message: string, ...args: unknown[]) => void,
) {
  let told = false;
  return (message: string, ...args: unknown[]): void => {
    if (typeof message !== "string" || !DUPLICATE.test(message)) {
      error(message, ...args);
      return;
    }
    if (told) return;
    told = true;
    warn(
      "mcpcat-otel/register the app sets up OpenTelemetry after its first MCP connection, when " +
        "register had set up what the app had left empty; the app's (its service name, " +
        "exporters) is not used. Set it up before the app connects, or drop the register " +
        "preload and add McpInstrumentation to the app's NodeSDK",
    );
  };
}

/**
 * Installs {@link StderrDiagLogger} at `OTEL_LOG_LEVEL` (default `warn`, so that a
 * misconfiguration or an unreachable collector is visible without asking).
 */
export function installStderrDiagLogger(): void {
  const level = diagLogLevelFromString(getStringFromEnv("OTEL_LOG_LEVEL")) ?? DiagLogLevel.WARN;
  diag.setLogger(new StderrDiagLogger(), { logLevel: level, suppressOverrideMessage: true });
}

/**
 * Sends OpenTelemetry's diagnostics to stderr, at `OTEL_LOG_LEVEL` (default `warn`), for an app
 * that sets up `NodeSDK` itself. Call it before `new NodeSDK(...)`: it takes `OTEL_LOG_LEVEL`
 * out of `process.env`, because `NodeSDK` would otherwise install its console logger, which
 * writes `info` and `debug` to stdout, where a stdio MCP server speaks JSON-RPC.
 *
 * @example
 * ```ts
 * diagToStderr();
 * new NodeSDK({ instrumentations: [new McpInstrumentation()] }).start();
 * ```
 */
export function diagToStderr(): void {
  installStderrDiagLogger();
  delete process.env.OTEL_LOG_LEVEL;
}
