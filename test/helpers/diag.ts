import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";

/** Collects what OpenTelemetry's diag receives (this package's only reporting channel). */
export function captureDiag() {
  const messages: { level: string; text: string }[] = [];
  const record =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      messages.push({ level, text: [message, ...args.map(String)].join(" ") });
  const logger: DiagLogger = {
    error: record("error"),
    warn: record("warn"),
    info: record("info"),
    debug: record("debug"),
    verbose: record("verbose"),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return {
    messages,
    warnings: () =>
      messages.filter((m) => m.level === "warn" || m.level === "error").map((m) => m.text),
    clear: () => {
      messages.length = 0;
    },
  };
}
