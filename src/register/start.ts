import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import { getBooleanFromEnv } from "@opentelemetry/core";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { installStderrDiagLogger } from "../diag-logger.js";
import { McpInstrumentation } from "../instrumentation.js";
import { registerLog } from "../log.js";
import { flushOnExit } from "./flush-on-exit.js";
import { unsupportedNodeMessage } from "./node-version.js";
import { planFromEnv, withEnv } from "./plan.js";
import { mcpcatProcessor, traceProcessorsFor } from "./span-processors.js";

const STARTED = Symbol.for("mcpcat-otel.register.started");

/**
 * Starts a `NodeSDK` with `McpInstrumentation`, configured from the environment alone, and
 * flushes it when the process ends. Never throws: a failure is a diag error, and the app runs
 * on uninstrumented. Returns the SDK, or undefined when none was started.
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
    if (tracerProviderRegistered()) {
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
      registerLog.info("no trace exporter configured; MCP spans go nowhere");
    }
    // MCPCAT_STATELESS and MCPCAT_CAPTURE_CONTENT are read by McpInstrumentation itself.
    const instrumentation = new McpInstrumentation();
    const sdk = withEnv(plan.sdkEnv, () => {
      const created = new NodeSDK({ instrumentations: [instrumentation], spanProcessors });
      created.start();
      return created;
    });
    flushOnExit(() => sdk.shutdown());
    return sdk;
  } catch (error) {
    registerLog.error("could not start OpenTelemetry; running uninstrumented", error);
    return undefined;
  }
}

/**
 * Whether a tracer provider is registered already. The API registers its `ProxyTracerProvider`
 * and delegates to the real one; with none, the delegate is the API's no-op singleton, which a
 * fresh proxy returns too.
 */
function tracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate !== new ProxyTracerProvider().getDelegate();
}
