/**
 * `node --import mcpcat-otel/hook app.js` (or `-r mcpcat-otel/hook`): installs only the loader
 * hook, for apps that build their own `NodeSDK` with `McpInstrumentation` later than the MCP SDK
 * is loaded. Every SDK copy loaded from then on is recorded, and patched as soon as an
 * `McpInstrumentation` is enabled. Starts no OpenTelemetry SDK and writes nothing.
 */
import { installLoaderHook } from "./reach/loader-hook.js";

installLoaderHook();
