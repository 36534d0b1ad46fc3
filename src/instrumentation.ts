import { InstrumentationBase, isWrapped } from "@opentelemetry/instrumentation";
import { ClientRequestTracer } from "./client-request.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "./content.js";
import { ENV, readBooleanEnv } from "./env.js";
import { DEFAULT_IDENTIFY_TIMEOUT_MS } from "./identity.js";
import { installLoaderHook, subscribeToTarget } from "./register/loader-hook.js";
import type { ResolvedOptions } from "./request-span.js";
import {
  hookV1CommonJs,
  type ProtocolPatcher,
  patchLoadedV1,
  V1_HOOK_TARGET,
  v1LoaderHookHandler,
  v1ModuleDefinition,
} from "./sdk-v1.js";
import { type ProtocolLike, ServerRequestTracer } from "./server-request.js";
import type { McpInstrumentationConfig, McpRequest } from "./types.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

type OnRequest = (this: ProtocolLike, request: McpRequest, extra?: unknown) => void;
type OnCancel = (this: ProtocolLike, notification: { params?: { requestId?: unknown } }) => unknown;
type OnClose = (this: ProtocolLike) => void;
type SendRequest = (
  this: ProtocolLike,
  request: McpRequest,
  ...rest: unknown[]
) => Promise<unknown>;
/**
 * The `Protocol` methods wrapped: requests in and out, cancellations in, the connection closing.
 * Only `_onrequest` is required; the others are wrapped where a release has them (1.21 has no
 * `_oncancel`: its cancelled requests are seen through their abort signal instead).
 */
interface ProtocolPrototype {
  _onrequest: OnRequest;
  _oncancel: OnCancel;
  _onclose: OnClose;
  request: SendRequest;
}
const OPTIONAL = ["_oncancel", "_onclose", "request"] as const;
const WRAPPED = ["_onrequest", ...OPTIONAL] as const;
/** What is lost without each optional method, for the warning ("" when nothing is). */
const UNTRACED: Record<(typeof OPTIONAL)[number], string> = {
  _oncancel: "",
  _onclose: "requests left unanswered when the connection closes do not end their spans",
  request: "outgoing requests get no CLIENT spans",
};

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
  declare private _patched: Set<ProtocolPrototype> | undefined;
  declare private _unsubscribe: (() => void) | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: McpInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._resolved = resolveOptions(this._config);
  }

  protected init() {
    return [v1ModuleDefinition(this.patcher())];
  }

  override enable(): void {
    super.enable();
    try {
      installLoaderHook();
      this._unsubscribe ??= subscribeToTarget(V1_HOOK_TARGET, v1LoaderHookHandler(this.patcher()));
      this._cjsHook ??= hookV1CommonJs(this.patcher());
      patchLoadedV1(this.patcher());
    } catch (error) {
      // Never from a constructor (the base class enables there): the app must still start.
      this._diag.error("could not hook the MCP SDK; requests will not be traced", error);
    }
  }

  override disable(): void {
    super.disable();
    this._unsubscribe?.();
    this._unsubscribe = undefined;
    this._cjsHook?.unhook();
    this._cjsHook = undefined;
    for (const prototype of this._patched ?? []) this.unwrapAll(prototype);
    this._patched?.clear();
  }

  private patcher(): ProtocolPatcher {
    return {
      patch: (moduleExports, release) => this.patchProtocol(moduleExports, release),
      unpatch: (moduleExports) => {
        const prototype = protocolPrototypeOf(moduleExports);
        if (prototype && this._patched?.delete(prototype)) this.unwrapAll(prototype);
      },
    };
  }

  private patchProtocol(moduleExports: unknown, release: string): void {
    const prototype = protocolPrototypeOf(moduleExports);
    if (!prototype) {
      this._diag.warn(`${release} has no Protocol with an _onrequest method: nothing is traced`);
      return;
    }
    if (isWrapped(prototype._onrequest)) return;
    const has = (name: (typeof WRAPPED)[number]) =>
      typeof (prototype as Partial<ProtocolPrototype>)[name] === "function";
    const missing = OPTIONAL.filter((name) => !has(name));
    const lost = missing.map((name) => UNTRACED[name]).filter(Boolean);
    if (lost.length > 0) {
      this._diag.warn(
        `${release}: its Protocol lacks ${missing.join(", ")}, so ${lost.join("; ")}`,
      );
    }
    const requests = this.requests();
    // Without `_oncancel` (1.21 and older), a cancelled request is seen through its abort signal.
    const watchAbort = !has("_oncancel");
    this._wrap(prototype, "_onrequest", (original: OnRequest) => {
      return function _onrequest(this: ProtocolLike, request: McpRequest, extra?: unknown) {
        requests.handle(this, request, extra, () => {
          original.call(this, request, extra);
          if (watchAbort) endOnAbort(this, request, requests);
        });
      };
    });
    // Cancelled and orphaned requests get no response; these end their spans, at no cost to
    // the requests that do get one.
    if (!watchAbort) {
      this._wrap(prototype, "_oncancel", (original: OnCancel) => {
        return function _oncancel(this: ProtocolLike, notification) {
          const result = original.call(this, notification);
          requests.cancelled(this, notification?.params?.requestId);
          return result;
        };
      });
    }
    if (has("_onclose")) {
      this._wrap(prototype, "_onclose", (original: OnClose) => {
        return function _onclose(this: ProtocolLike) {
          const transport = this._transport;
          try {
            original.call(this);
          } finally {
            requests.closed(transport);
          }
        };
      });
    }
    if (has("request")) {
      const sent = this.sentRequests();
      this._wrap(prototype, "request", (original: SendRequest) => {
        return function request(this: ProtocolLike, outgoing: McpRequest, ...rest: unknown[]) {
          return sent.send(this, outgoing, (withContext) =>
            original.call(this, withContext, ...rest),
          );
        };
      });
    }
    this._patched ??= new Set();
    this._patched.add(prototype);
  }

  private unwrapAll(prototype: ProtocolPrototype): void {
    for (const name of WRAPPED) if (isWrapped(prototype[name])) this._unwrap(prototype, name);
  }

  private sentRequests(): ClientRequestTracer {
    this._sentRequests ??= new ClientRequestTracer(
      () => this.tracer,
      () => this._resolved,
      this._diag,
    );
    return this._sentRequests;
  }

  private requests(): ServerRequestTracer {
    this._requests ??= new ServerRequestTracer(
      () => this.tracer,
      () => this._resolved,
      this._diag,
    );
    return this._requests;
  }
}

function protocolPrototypeOf(moduleExports: unknown): ProtocolPrototype | undefined {
  const prototype = (moduleExports as { Protocol?: { prototype?: ProtocolPrototype } } | undefined)
    ?.Protocol?.prototype;
  return typeof prototype?._onrequest === "function" ? prototype : undefined;
}

/** Ends the span of `request` if the SDK aborts its handler (a `notifications/cancelled`). */
function endOnAbort(protocol: ProtocolLike, request: McpRequest, requests: ServerRequestTracer) {
  const id = request?.id;
  const signal = protocol._requestHandlerAbortControllers?.get(id)?.signal;
  signal?.addEventListener("abort", () => requests.cancelled(protocol, id), { once: true });
}

function resolveOptions(config: McpInstrumentationConfig): ResolvedOptions {
  return {
    config,
    stateless: config.stateless ?? readBooleanEnv(ENV.stateless),
    captureContent: config.captureContent ?? readBooleanEnv(ENV.captureContent) ?? false,
    maxContentLength: positiveOr(config.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH),
    identifyTimeoutMs: positiveOr(config.identifyTimeoutMs, DEFAULT_IDENTIFY_TIMEOUT_MS),
  };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : fallback;
}
