import {
  context,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  propagation,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { registerLog } from "../log.js";

/** The OpenTelemetry globals `register` may set, by their key in the API's registry. */
const GLOBALS = ["trace", "metrics", "context", "propagation"] as const;
type GlobalName = (typeof GLOBALS)[number];

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps the registered globals: reading it tells
 * whether anyone (the app, another preload, us) registered one, without registering anything.
 */
const API_REGISTRY = Symbol.for("opentelemetry.js.api.1");

function registry(): Partial<Record<GlobalName, unknown>> | undefined {
  return (globalThis as { [API_REGISTRY]?: Partial<Record<GlobalName, unknown>> })[API_REGISTRY];
}

/** Whether the process has this OpenTelemetry global registered already. */
export function globalRegistered(name: GlobalName): boolean {
  return registry()?.[name] !== undefined;
}

/** What `register`'s NodeSDK built and `register` holds back from the globals until it is needed. */
export interface HeldGlobals {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  propagator?: TextMapPropagator;
}

/** Names of the globals registered now, to compare with after `NodeSDK.start()`. */
export function registeredGlobals(): Set<GlobalName> {
  return new Set(GLOBALS.filter(globalRegistered));
}

/**
 * Unregisters what `NodeSDK.start()` just registered (the globals that were not registered
 * `before`) and returns the providers and propagator, so that the app's own code can still
 * register its own afterwards. The context manager is dropped: a fresh one is made if needed.
 */
export function holdBackGlobals(before: Set<GlobalName>): HeldGlobals {
  const held: HeldGlobals = {};
  const ours = (name: GlobalName) => !before.has(name) && globalRegistered(name);
  if (ours("trace")) {
    const proxy = registry()?.trace;
    held.tracerProvider = proxy instanceof ProxyTracerProvider ? proxy.getDelegate() : undefined;
    trace.disable();
  }
  if (ours("metrics")) {
    held.meterProvider = registry()?.metrics as MeterProvider;
    metrics.disable();
  }
  if (ours("propagation")) {
    held.propagator = registry()?.propagation as TextMapPropagator;
    propagation.disable();
  }
  if (ours("context")) context.disable();
  return held;
}

/**
 * Registers `register`'s globals where the process has none of its own, once MCP traffic
 * starts (by then the app's main module has set up its own telemetry, if it has any): the
 * context manager and propagator MCP tracing needs, and the providers, so that the app's own
 * spans inside MCP handlers are exported too when it has no SDK of its own. What the app has
 * registered stays: it is told once, at `info` (nothing is lost, MCP spans still go to
 * `register`'s exporters). Says whether the app keeps a tracer provider of its own.
 */
export function fillEmptyGlobals(held: HeldGlobals): { appTracerProvider: boolean } {
  const kept: string[] = [];
  if (held.tracerProvider) {
    if (globalRegistered("trace")) kept.push("tracer provider");
    else trace.setGlobalTracerProvider(held.tracerProvider);
  }
  if (held.meterProvider) {
    if (globalRegistered("metrics")) kept.push("meter provider");
    else metrics.setGlobalMeterProvider(held.meterProvider);
  }
  if (globalRegistered("context")) kept.push("context manager");
  else context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (held.propagator) {
    if (globalRegistered("propagation")) kept.push("propagator");
    else propagation.setGlobalPropagator(held.propagator);
  }
  if (kept.length > 0) {
    registerLog.info(
      `the app has its own OpenTelemetry ${kept.join(", ")}; register leaves them in place ` +
        "and sends MCP spans to its own exporters",
    );
  }
  return { appTracerProvider: kept.includes("tracer provider") };
}
