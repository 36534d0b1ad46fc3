/*
 * This package's diag loggers: every message goes through OpenTelemetry's `diag` (never stdout),
 * named by component, as the instrumentation's own `_diag` is. No message carries a typed prefix.
 */
import { diag } from "@opentelemetry/api";
import { PACKAGE_NAME } from "./version.js";

/** The instrumentation and everything it runs: the same namespace as its `_diag`. */
export const log = diag.createComponentLogger({ namespace: PACKAGE_NAME });

/** `MCPCatExporter` (its class name in the namespace: what a reader of the log looks for). */
export const exporterLog = diag.createComponentLogger({
  namespace: `${PACKAGE_NAME}/MCPCatExporter`,
});

const told = new Set<string>();
/**
 * Warns with `message` the first time only: a copy of the SDK that is not traced is named once
 * per process, however many instrumentations (or modules) come across it.
 */
export function warnOnce(message: string): void {
  if (told.has(message)) return;
  told.add(message);
  log.warn(message);
}

/** `mcpcat-otel/register`. */
export const registerLog = diag.createComponentLogger({ namespace: `${PACKAGE_NAME}/register` });
