import { getBooleanFromEnv } from "@opentelemetry/core";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { installStderrDiagLogger } from "../diag-logger.js";
import { McpInstrumentation } from "../instrumentation.js";
import { registerLog } from "../log.js";
import { flushOnExit } from "./flush-on-exit.js";
import {
  fillEmptyGlobals,
  globalRegistered,
  holdBackGlobals,
  registeredGlobals,
} from "./globals.js";
import { unsupportedNodeMessage } from "./node-version.js";
import { planFromEnv, withEnv } from "./plan.js";
import { mcpcatProcessor, traceProcessorsFor } from "./span-processors.js";

const STARTED = Symbol.for("mcpcat-otel.register.started");

/**
 * Starts a `NodeSDK` with `McpInstrumentation`, configured from the environment alone, and
 * flushes it when the process ends. It registers no OpenTelemetry global at preload: the
 * app's main module has not run yet, and whatever telemetry it sets up (its own NodeSDK,
 * Sentry) must find the globals free. `McpInstrumentation` gets this SDK's providers directly;
 * the globals the app leaves empty are filled at its first MCP traffic (globals.ts).
 * Never throws: a failure is a diag error, and the app runs on uninstrumented. Returns the SDK,
 * or undefined when none was started.
 */
export function startFromEnv(): NodeSDK | undefined {
  // `-r` and `--import` together (or the CJS and ESM builds both preloaded) must not start a
  // second SDK: the global provider could not be registered twice anyway.
  const registry = globalThis as { [STARTED]?: boolean };
  if (registry[STARTED]) return undefined;
  registry[STARTED] = true;
  const tooOld = unsupportedNodeMessage();
  if (tooOld) {
    try {
      process.stderr.write(`${tooOld}\n`); // before any diag logger: one plain line, always shown
    } catch {
      // stderr closed: nothing else to tell
    }
    return undefined;
  }
  try {
    installStderrDiagLogger();
    if (getBooleanFromEnv("OTEL_SDK_DISABLED")) {
      registerLog.info("OTEL_SDK_DISABLED is set; nothing started");
      return undefined;
    }
    if (globalRegistered("trace")) {
      // Preloaded after the app's own SDK: a second one could not register its globals.
      registerLog.warn(
        "an OpenTelemetry SDK is already started in this process; " +
          "register starts none and adds McpInstrumentation to it",
      );
      new McpInstrumentation();
      return undefined;
    }
    const plan = planFromEnv();
    const spanProcessors = traceProcessorsFor(plan.traceExporters);
    if (plan.projectId) {
      try {
        spanProcessors.push(mcpcatProcessor(plan.projectId, plan.apiBaseUrl));
      } catch (error) {
        // A bad MCPCAT_API_URL must not cost the OTLP export too.
        registerLog.error("MCPCat export is off", error);
      }
    }
    if (spanProcessors.length === 0) {
      registerLog.info(
        "no trace exporter configured; MCP spans go to the app's tracer provider, if it has one",
      );
    }
    // MCPCAT_STATELESS and MCPCAT_CAPTURE_CONTENT are read by McpInstrumentation itself.
    const instrumentation = new McpInstrumentation();
    const before = registeredGlobals();
    const sdk = withEnv(plan.sdkEnv, () => {
      const created = new NodeSDK({ instrumentations: [instrumentation], spanProcessors });
      created.start();
      return created;
    });
    const held = holdBackGlobals(before);
    // Without a provider of register's own (no exporter), MCP spans follow the global one: the
    // app's, once it registers one.
    if (held.tracerProvider) instrumentation.setTracerProvider(held.tracerProvider);
    if (held.meterProvider) instrumentation.setMeterProvider(held.meterProvider);
    instrumentation.beforeFirstTraffic(() => {
      // MCP spans in register's pipeline, the app's in its own: the app's must not become
      // children of spans its backend never gets (it would drop or orphan them).
      const { appTracerProvider } = fillEmptyGlobals(held);
      if (appTracerProvider && held.tracerProvider) instrumentation.separateFromAppContext();
    });
    flushOnExit(() => sdk.shutdown());
    return sdk;
  } catch (error) {
    registerLog.error("could not start OpenTelemetry; running uninstrumented", error);
    return undefined;
  }
}
