import { InstrumentationBase, isWrapped } from "@opentelemetry/instrumentation";
import { ClientRequestTracer } from "./client-request.js";
import type { McpInstrumentationConfig } from "./config.js";
import type {
  OnCancel,
  OnClose,
  OnNotification,
  OnRequest,
  ProtocolPrototype,
  ResolvedOptions,
  SendNotification,
  SendNotificationViaCodec,
  SendRequest,
  SendViaCodec,
} from "./internal-types.js";
import { McpMetrics } from "./metrics.js";
import { NotificationTracer } from "./notification-spans.js";
import {
  afterFirstTraffic,
  tracedNotification,
  tracedNotificationViaCodec,
  tracedOnCancel,
  tracedOnClose,
  tracedOnNotification,
  tracedRequest,
  tracedRequestViaCodec,
  tracedV1OnRequest,
  tracedV2OnRequest,
} from "./protocol-wrappers.js";
import { installLoaderHook, subscribeToTarget } from "./register/loader-hook.js";
import { resolveOptions } from "./resolve-options.js";
import {
  hookV1CommonJs,
  type ProtocolPatcher,
  patchLoadedV1,
  V1_HOOK_TARGET,
  v1LoaderHookHandler,
  v1ModuleDefinition,
} from "./sdk-v1.js";
import {
  hookV2CommonJs,
  type Listen,
  patchLoadedV2,
  patchV2Root,
  tracedListen,
  V2_HOOK_TARGETS,
  type V2ProtocolPatcher,
} from "./sdk-v2.js";
import { ServerRequestTracer } from "./server-request.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

type Generation = "v1" | "v2";
const OPTIONAL = {
  v1: ["_oncancel", "_onclose", "request"],
  v2: ["_oncancel", "_onclose", "_requestWithSchemaViaCodec"],
} as const;
type Optional = (typeof OPTIONAL)[Generation][number];
/** What is lost without each optional method, for the warning ("" when nothing is). */
const UNTRACED: Record<Optional, string> = {
  _oncancel: "",
  _onclose: "requests left unanswered when the connection closes do not end their spans",
  request: "outgoing requests get no CLIENT spans",
  _requestWithSchemaViaCodec: "outgoing requests get no CLIENT spans",
};
/**
 * Wrapped where present, for `captureNotifications` (which decides per message, at run time).
 * v2's `notification()` and a handler's `ctx.mcpReq.notify` both funnel into
 * `_notificationViaCodec`: the one to wrap there, as `_requestWithSchemaViaCodec` is for requests.
 */
const NOTIFICATION_METHODS = {
  v1: ["_onnotification", "notification"],
  v2: ["_onnotification", "_notificationViaCodec"],
} as const;
const ALL_NOTIFICATION_METHODS = [
  "_onnotification",
  "notification",
  "_notificationViaCodec",
] as const;

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
  declare private _requests: ServerRequestTracer | undefined;
  declare private _sentRequests: ClientRequestTracer | undefined;
  declare private _cjsHook: { unhook(): void } | undefined;
  declare private _v2CjsHook: { unhook(): void } | undefined;
  declare private _unsubscribe: (() => void)[] | undefined;
  declare private _patched: Map<ProtocolPrototype, Generation> | undefined;
  declare private _listenPatched: Set<object> | undefined;
  declare private _metrics: McpMetrics;
  declare private _notifications: NotificationTracer | undefined;
  declare private _beforeFirstTraffic: (() => void) | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: McpInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._resolved = resolveOptions(this._config);
  }

  /** Called by the base class whenever the meter changes (construction, `setMeterProvider`). */
  protected override _updateMetricInstruments(): void {
    this._metrics = new McpMetrics(this.meter);
  }

  protected init() {
    return [v1ModuleDefinition(this.patcher())];
  }

  override enable(): void {
    super.enable();
    try {
      // Every SDK copy loaded from now on, wherever it is installed (both generations).
      if (installLoaderHook() && !this._unsubscribe) {
        this._unsubscribe = [
          subscribeToTarget(V1_HOOK_TARGET, v1LoaderHookHandler(this.patcher())),
          ...V2_HOOK_TARGETS.map((id) =>
            subscribeToTarget(id, (rootExports) => this.patchV2Root(rootExports)),
          ),
        ];
      }
    } catch (error) {
      this._diag.error(
        "could not install the loader hook; copies outside the app are not reached",
        error,
      );
    }
    try {
      this._cjsHook ??= hookV1CommonJs(this.patcher());
      patchLoadedV1(this.patcher());
    } catch (error) {
      // Never from a constructor (the base class enables there): the app must still start.
      this._diag.error("could not hook the MCP SDK v1; requests will not be traced", error);
    }
    try {
      this._v2CjsHook ??= hookV2CommonJs(this.v2Patcher());
      patchLoadedV2(this.v2Patcher());
    } catch (error) {
      this._diag.error("could not hook the MCP SDK v2; requests will not be traced", error);
    }
  }

  /**
   * Patches the SDK v2 `Protocol` behind the root exports of `@modelcontextprotocol/server` or
   * `/client`: for a loader hook that sees those modules load. Does nothing when disabled.
   * @internal
   */
  patchV2Root(rootExports: unknown): void {
    if (this._enabled) patchV2Root(this.v2Patcher(), rootExports);
  }

  override disable(): void {
    super.disable();
    for (const unsubscribe of this._unsubscribe ?? []) unsubscribe();
    this._unsubscribe = undefined;
    this._cjsHook?.unhook();
    this._cjsHook = undefined;
    this._v2CjsHook?.unhook();
    this._v2CjsHook = undefined;
    for (const [prototype, generation] of this._patched ?? [])
      this.unwrapAll(prototype, generation);
    this._patched?.clear();
    for (const client of this._listenPatched ?? [])
      this._unwrap(client as { listen(): void }, "listen");
    this._listenPatched?.clear();
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
   * MCP spans go to a pipeline the app's own telemetry does not see: the app's code (handlers,
   * the transport) runs in the app's own context, not under them, so that none of the app's
   * spans gets a parent its backend never receives (Sentry drops such spans).
   * @internal
   */
  separateFromAppContext(): void {
    this.requests().separate = true;
    this.sentRequests().separate = true;
  }

  private firstTraffic(): void {
    if (!this._beforeFirstTraffic) return;
    const hook = this._beforeFirstTraffic;
    this._beforeFirstTraffic = undefined;
    hook();
  }

  private patcher(): ProtocolPatcher {
    return {
      patch: (moduleExports, release) => this.patchProtocol(moduleExports, "v1", release),
      unpatch: (moduleExports) => {
        const prototype = protocolPrototypeOf(moduleExports);
        if (prototype && this._patched?.delete(prototype)) this.unwrapAll(prototype, "v1");
      },
    };
  }

  private v2Patcher(): V2ProtocolPatcher {
    return {
      patch: (moduleExports) => {
        this.patchProtocol(moduleExports, "v2", "MCP SDK v2");
        const client = moduleExports.Client?.prototype as { listen: Listen } | undefined;
        if (typeof client?.listen !== "function" || isWrapped(client.listen)) return;
        const sent = this.sentRequests();
        this._wrap(client, "listen", (original: Listen) => tracedListen(original, sent));
        this._listenPatched ??= new Set();
        this._listenPatched.add(client);
      },
    };
  }

  private patchProtocol(moduleExports: unknown, generation: Generation, release: string): void {
    const prototype = protocolPrototypeOf(moduleExports);
    if (!prototype) {
      this._diag.warn(`${release} has no Protocol with an _onrequest method: nothing is traced`);
      return;
    }
    if (isWrapped(prototype._onrequest)) return;
    const has = (name: Optional) =>
      typeof (prototype as Partial<ProtocolPrototype>)[name] === "function";
    const missing = OPTIONAL[generation].filter((name) => !has(name));
    const lost = missing.map((name) => UNTRACED[name]).filter(Boolean);
    if (lost.length > 0) {
      this._diag.warn(
        `${release}: its Protocol lacks ${missing.join(", ")}, so ${lost.join("; ")}`,
      );
    }
    const requests = this.requests();
    const sent = this.sentRequests();
    const first = () => this.firstTraffic();
    // Without `_oncancel` (1.21 and older), a cancelled request is seen through its abort signal.
    const watchAbort = !has("_oncancel");
    this._wrap(prototype, "_onrequest", (original: OnRequest) =>
      afterFirstTraffic(
        generation === "v1"
          ? tracedV1OnRequest(original, requests, watchAbort)
          : tracedV2OnRequest(original, requests),
        first,
      ),
    );
    // Cancelled and orphaned requests get no response; these end their spans, at no cost to
    // the requests that do get one.
    if (!watchAbort) {
      this._wrap(prototype, "_oncancel", (original: OnCancel) =>
        tracedOnCancel(original, requests),
      );
    }
    if (has("_onclose")) {
      this._wrap(prototype, "_onclose", (original: OnClose) =>
        tracedOnClose(original, requests, sent),
      );
    }
    if (generation === "v1" && has("request")) {
      this._wrap(prototype, "request", (original: SendRequest) =>
        afterFirstTraffic(tracedRequest(original, sent), first),
      );
    } else if (generation === "v2" && has("_requestWithSchemaViaCodec")) {
      this._wrap(prototype, "_requestWithSchemaViaCodec", (original: SendViaCodec) =>
        afterFirstTraffic(tracedRequestViaCodec(original, sent), first),
      );
    }
    this.patchNotifications(prototype, generation);
    const connectable = prototype as unknown as { connect: () => unknown };
    if (typeof connectable.connect === "function") {
      this._wrap(connectable, "connect", (original) => afterFirstTraffic(original, first));
    }
    this._patched ??= new Map();
    this._patched.set(prototype, generation);
  }

  private patchNotifications(prototype: ProtocolPrototype, generation: Generation): void {
    const target = prototype as unknown as {
      _onnotification: OnNotification;
      notification: SendNotification;
      _notificationViaCodec: SendNotificationViaCodec;
    };
    if (NOTIFICATION_METHODS[generation].some((name) => typeof target[name] !== "function")) return;
    this._notifications ??= new NotificationTracer(
      () => this.tracer,
      () => this._resolved,
      (protocol, transport, options) => this.requests().connectionOf(protocol, transport, options),
    );
    const notifications = this._notifications;
    this._wrap(target, "_onnotification", (original: OnNotification) =>
      tracedOnNotification(original, notifications),
    );
    if (generation === "v1") {
      this._wrap(target, "notification", (original: SendNotification) =>
        tracedNotification(original, notifications),
      );
    } else {
      this._wrap(target, "_notificationViaCodec", (original: SendNotificationViaCodec) =>
        tracedNotificationViaCodec(original, notifications),
      );
    }
  }

  private unwrapAll(prototype: ProtocolPrototype, generation: Generation): void {
    for (const name of ["_onrequest", ...OPTIONAL[generation]] as const) {
      if (isWrapped(prototype[name])) this._unwrap(prototype, name);
    }
    const target = prototype as unknown as Record<string, unknown>;
    if (isWrapped(target.connect)) this._unwrap(target, "connect");
    for (const name of ALL_NOTIFICATION_METHODS) {
      if (isWrapped(target[name])) this._unwrap(target, name);
    }
  }

  private sentRequests(): ClientRequestTracer {
    this._sentRequests ??= new ClientRequestTracer(
      () => this.tracer,
      () => this._resolved,
      () => this._metrics,
    );
    return this._sentRequests;
  }

  private requests(): ServerRequestTracer {
    this._requests ??= new ServerRequestTracer(
      () => this.tracer,
      () => this._resolved,
      () => this._metrics,
    );
    return this._requests;
  }
}

function protocolPrototypeOf(moduleExports: unknown): ProtocolPrototype | undefined {
  const prototype = (moduleExports as { Protocol?: { prototype?: ProtocolPrototype } } | undefined)
    ?.Protocol?.prototype;
  return typeof prototype?._onrequest === "function" ? prototype : undefined;
}
