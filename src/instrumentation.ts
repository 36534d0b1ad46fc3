import { InstrumentationBase, isWrapped } from "@opentelemetry/instrumentation";
import { ClientRequestTracer } from "./client-request.js";
import type { McpInstrumentationConfig } from "./config.js";
import { type CustomEventSource, enableCustomEvents } from "./custom-event.js";
import type { ProtocolPrototype, ResolvedOptions } from "./internal-types.js";
import { McpMetrics } from "./metrics.js";
import { NotificationTracer } from "./notification-spans.js";
import { Patches } from "./patches.js";
import {
  afterFirstTraffic,
  type Listen,
  tracedListen,
  tracedNotification,
  tracedOnCancel,
  tracedOnClose,
  tracedOnNotification,
  tracedOnRequest,
  tracedRequest,
} from "./protocol-wrappers.js";
import {
  clientPrototypeOf,
  GENERATIONS,
  type Generation,
  protocolOf,
} from "./reach/generations.js";
import { protocolOfInstance } from "./reach/protocol-lookup.js";
import { reachSdk } from "./reach/sdk-reach.js";
import { resolveOptions } from "./resolve-options.js";
import { ServerRequestTracer } from "./server-request.js";
import type { TracerDeps } from "./tracer-deps.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

type Optional = "_oncancel" | "_onclose" | "request" | "_requestWithSchemaViaCodec";
/** What is lost without each optional method, for the warning ("" when nothing is). */
const UNTRACED: Record<Optional, string> = {
  _oncancel: "",
  _onclose: "requests left unanswered when the connection closes do not end their spans",
  request: "outgoing requests get no CLIENT spans",
  _requestWithSchemaViaCodec: "outgoing requests get no CLIENT spans",
};

/** The three tracers and what they share, made at the first patch. */
interface Tracers {
  readonly deps: TracerDeps;
  readonly requests: ServerRequestTracer;
  readonly sent: ClientRequestTracer;
  readonly notifications: NotificationTracer;
}

/**
 * OpenTelemetry instrumentation for the official MCP TypeScript SDK: one SERVER span per MCP
 * request a server handles, with the caller's identity, following the OpenTelemetry semantic
 * conventions for MCP. Register it with `NodeSDK` (or `registerInstrumentations`) before the
 * SDK is loaded; no change to the MCP server's code is needed.
 *
 * @example
 * ```ts
 * new NodeSDK({ instrumentations: [new McpInstrumentation({ identify: (req, extra) => ... })] }).start();
 * ```
 */
export class McpInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  // `declare`d, not initialised: the base constructor calls setConfig() and enable() before
  // field initialisers would run, and those would then overwrite what they set.
  declare private _resolved: ResolvedOptions;
  declare private _metrics: McpMetrics;
  declare private _tracers: Tracers | undefined;
  declare private _stopReach: (() => void) | undefined;
  declare private _beforeFirstTraffic: (() => void) | undefined;
  declare private _customEvents: CustomEventSource | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** What `publishCustomEvent` outside a request records with while this is enabled. */
  private get customEvents(): CustomEventSource {
    this._customEvents ??= { tracer: () => this.tracer, options: () => this._resolved };
    return this._customEvents;
  }

  override setConfig(config: McpInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._resolved = resolveOptions(this._config);
  }

  /** Called by the base class whenever the meter changes (construction, `setMeterProvider`). */
  protected override _updateMetricInstruments(): void {
    this._metrics = new McpMetrics(this.meter);
  }

  /** No module definitions: src/reach/sdk-reach.ts reaches the SDK (the base class's hooks never fire for it). */
  protected init() {
    return [];
  }

  override enable(): void {
    super.enable();
    enableCustomEvents(this.customEvents, true);
    // Every SDK copy loaded so far that can be found, and every one loaded from now on.
    this._stopReach ??= reachSdk((generation, moduleExports, release) =>
      this.patchModule(generation, moduleExports, release),
    );
  }

  /** Leaves the SDK as it was found: every patch listed in src/patches.ts is undone. */
  override disable(): void {
    super.disable();
    enableCustomEvents(this.customEvents, false);
    this._stopReach?.();
    this._stopReach = undefined;
    this._tracers?.deps.patches.undoAll();
  }

  /**
   * Runs `hook` once, at the process's first MCP connection or request, before it is traced:
   * `register` registers the OpenTelemetry globals the app left empty then.
   * @internal
   */
  beforeFirstTraffic(hook: () => void): void {
    this._beforeFirstTraffic = hook;
  }

  /**
   * MCP spans go to a pipeline the app's own telemetry does not see: the app's code runs in its
   * own context, not under them (`TracerDeps.separate`).
   * @internal
   */
  separateFromAppContext(): void {
    this.tracers().deps.separate = true;
  }

  private firstTraffic(): void {
    const hook = this._beforeFirstTraffic;
    if (!hook) return;
    this._beforeFirstTraffic = undefined;
    hook();
  }

  /** Patches the `Protocol` (and v2's `Client`) a module of `generation` exports. */
  private patchModule(generation: Generation, moduleExports: unknown, release: string): void {
    const Protocol = protocolOf(moduleExports) as { prototype?: ProtocolPrototype } | undefined;
    const prototype = Protocol?.prototype;
    if (typeof prototype?._onrequest !== "function") {
      this._diag.warn(`${release} has no Protocol with an _onrequest method: nothing is traced`);
      return;
    }
    this.patchProtocol(generation, prototype, release);
    const client = clientPrototypeOf(moduleExports, Protocol);
    if (client) this.patchListen(client);
  }

  /**
   * Traces the SDK copy behind one MCP `Server`, `McpServer` or `Client` (SDK v1 or v2), for code
   * the hooks cannot see: a server bundled with its own copy of the SDK, or a process without the
   * loader hook. The copy's `Protocol` is patched once, so every instance made from it is traced,
   * those made before included. Calling it again, on any instance of that copy, does nothing;
   * `disable()` undoes it. Anything else gets one diag warning and no change; it never throws.
   *
   * @param serverOrClient - an instance made by the SDK copy to trace.
   * @returns whether that copy is traced now.
   * @example
   * ```ts
   * const instrumentation = new McpInstrumentation();
   * // ... NodeSDK started with it, server built ...
   * instrumentation.instrument(server);
   * ```
   */
  instrument(serverOrClient: unknown): boolean {
    if (!this._enabled) {
      this._diag.warn("instrument() on a disabled McpInstrumentation: nothing is traced");
      return false;
    }
    try {
      const found = protocolOfInstance(serverOrClient);
      if ("reason" in found) {
        this._diag.warn(`instrument(): ${found.reason}; its requests are not traced`);
        return false;
      }
      const generation = GENERATIONS.find((known) => known.id === found.generation);
      if (!generation) return false;
      this.patchProtocol(generation, found.prototype, "instrument()");
      if (found.client) this.patchListen(found.client.prototype);
      return isWrapped(found.prototype._onrequest);
    } catch (error) {
      this._diag.error("instrument(): could not instrument the MCP SDK", error);
      return false;
    }
  }

  /** v2's `Client.listen`, whose stream a `Protocol` method never sees. */
  private patchListen(client: object): void {
    const { sent, deps } = this.tracers();
    deps.patches.wrapMethod(client as { listen?: Listen }, "listen", (original) =>
      tracedListen(original, sent, deps.patches),
    );
  }

  /** The one place a `Protocol` prototype is patched, whichever path found it. */
  private patchProtocol(generation: Generation, prototype: ProtocolPrototype, release: string) {
    if (isWrapped(prototype._onrequest)) return;
    const has = (name: keyof ProtocolPrototype) => typeof prototype[name] === "function";
    const optional: Optional[] = ["_oncancel", "_onclose", generation.sendRequest];
    const missing = optional.filter((name) => !has(name));
    const lost = missing.map((name) => UNTRACED[name]).filter(Boolean);
    if (lost.length > 0) {
      this._diag.warn(
        `${release}: its Protocol lacks ${missing.join(", ")}, so ${lost.join("; ")}`,
      );
    }
    const { requests, sent, notifications, deps } = this.tracers();
    const { patches } = deps;
    // Without `_oncancel` (1.21 and older), a cancelled request is seen through its abort signal.
    const watchAbort = !has("_oncancel");
    const { webExtra, dropsByEra, messageArg } = generation;
    patches.wrapMethod(prototype, "_onrequest", (original) =>
      tracedOnRequest(original, requests, { watchAbort, webExtra, dropsByEra }),
    );
    // No message comes or goes before a transport is connected (createMcpHandler and serveStdio
    // connect one too): the first `connect` runs `register`'s deferred set-up, at no cost to
    // each request.
    const first = () => this.firstTraffic();
    if (has("connect")) {
      patches.wrapMethod(prototype, "connect", (original) => afterFirstTraffic(original, first));
    }
    // Cancelled and orphaned requests get no response; these end their spans, at no cost to
    // the requests that do get one.
    if (!watchAbort) {
      patches.wrapMethod(prototype, "_oncancel", (original) => tracedOnCancel(original, requests));
    }
    patches.wrapMethod(prototype, "_onclose", (original) =>
      tracedOnClose(original, requests, sent),
    );
    patches.wrapMethod(prototype, generation.sendRequest, (original) =>
      tracedRequest(original, sent, messageArg),
    );
    // For `captureNotifications`, which decides per message, at run time: both ways or neither.
    if (has("_onnotification") && has(generation.sendNotification)) {
      patches.wrapMethod(prototype, "_onnotification", (original) =>
        tracedOnNotification(original, notifications),
      );
      patches.wrapMethod(prototype, generation.sendNotification, (original) =>
        tracedNotification(original, notifications, messageArg),
      );
    }
  }

  private tracers(): Tracers {
    if (!this._tracers) {
      const self = this;
      const deps: TracerDeps = {
        get tracer() {
          return self.tracer;
        },
        get options() {
          return self._resolved;
        },
        get metrics() {
          return self._metrics;
        },
        patches: new Patches({
          wrap: (target, name, wrapper) =>
            this._wrap(target as Record<string, () => unknown>, name, wrapper),
          unwrap: (target, name) => this._unwrap(target as Record<string, () => unknown>, name),
        }),
        separate: false,
      };
      this._tracers = {
        deps,
        requests: new ServerRequestTracer(deps),
        sent: new ClientRequestTracer(deps),
        notifications: new NotificationTracer(deps),
      };
    }
    return this._tracers;
  }
}
