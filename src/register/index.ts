/**
 * Zero-code entry: `node --import mcpcat-otel/register server.js` (ESM) or
 * `node -r mcpcat-otel/register server.js` (CommonJS) starts a `NodeSDK` with
 * `McpInstrumentation` configured from the environment (`OTEL_*`, `MCPCAT_*`), and flushes
 * it when the process ends. It never writes to stdout, and never stops the app from starting.
 */
import { startFromEnv } from "./start.js";

startFromEnv();
