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

/** `mcpcat-otel/register`. */
export const registerLog = diag.createComponentLogger({ namespace: `${PACKAGE_NAME}/register` });
