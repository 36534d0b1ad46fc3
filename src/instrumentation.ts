import { randomBytes } from "node:crypto";
import { diag } from "@opentelemetry/api";
import { InstrumentationBase, isWrapped } from "@opentelemetry/instrumentation";
import { ClientRequestTracer } from "./client-request.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "./content.js";
import { ENV, readBooleanEnv } from "./env.js";
import { DEFAULT_IDENTIFY_TIMEOUT_MS } from "./identity.js";
import type { ResolvedOptions } from "./request-span.js";
import {
  hookV1CommonJs,
  type ProtocolPatcher,
  patchLoadedV1,
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
/** The `Protocol` methods wrapped: requests in and out, cancellations in, the connection closing. */
interface ProtocolPrototype {
  _onrequest: OnRequest;
  _oncancel: OnCancel;
  _onclose: OnClose;
  request: SendRequest;
}
const WRAPPED = ["_onrequest", "_oncancel", "_onclose", "request"] as const;

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
      this._cjsHook ??= hookV1CommonJs(this.patcher());
      patchLoadedV1(this.patcher());
    } catch (error) {
      // Never from a constructor (the base class enables there): the app must still start.
      this._diag.error("could not hook the MCP SDK; requests will not be traced", error);
    }
  }

  override disable(): void {
    super.disable();
    this._cjsHook?.unhook();
    this._cjsHook = undefined;
    for (const prototype of this._patched ?? []) this.unwrapAll(prototype);
    this._patched?.clear();
  }

  private patcher(): ProtocolPatcher {
    return {
      patch: (moduleExports) => this.patchProtocol(moduleExports),
      unpatch: (moduleExports) => {
        const prototype = protocolPrototypeOf(moduleExports);
        if (prototype && this._patched?.delete(prototype)) this.unwrapAll(prototype);
      },
    };
  }

  private patchProtocol(moduleExports: unknown): void {
    const prototype = protocolPrototypeOf(moduleExports);
    if (!prototype) {
      this._diag.debug(
        "module has no Protocol with the methods we wrap; SDK version not supported",
      );
      return;
    }
    if (isWrapped(prototype._onrequest)) return;
    const requests = this.requests();
    this._wrap(prototype, "_onrequest", (original: OnRequest) => {
      return function _onrequest(this: ProtocolLike, request: McpRequest, extra?: unknown) {
        requests.handle(this, request, extra, () => original.call(this, request, extra));
      };
    });
    // Cancelled and orphaned requests get no response; these end their spans, at no cost to
    // the requests that do get one.
    this._wrap(prototype, "_oncancel", (original: OnCancel) => {
      return function _oncancel(this: ProtocolLike, notification) {
        const result = original.call(this, notification);
        requests.cancelled(this, notification?.params?.requestId);
        return result;
      };
    });
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
    const sent = this.sentRequests();
    this._wrap(prototype, "request", (original: SendRequest) => {
      return function request(this: ProtocolLike, outgoing: McpRequest, ...rest: unknown[]) {
        return sent.send(this, outgoing, (withContext) =>
          original.call(this, withContext, ...rest),
        );
      };
    });
    this._patched ??= new Set();
    this._patched.add(prototype);
  }

  private unwrapAll(prototype: ProtocolPrototype): void {
    for (const name of WRAPPED) this._unwrap(prototype, name);
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
  return prototype && WRAPPED.every((name) => typeof prototype[name] === "function")
    ? prototype
    : undefined;
}

function resolveOptions(config: McpInstrumentationConfig): ResolvedOptions {
  return {
    config,
    stateless: config.stateless ?? readBooleanEnv(ENV.stateless),
    captureContent: config.captureContent ?? readBooleanEnv(ENV.captureContent) ?? false,
    maxContentLength: positiveOr(config.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH),
    identifyTimeoutMs: positiveOr(config.identifyTimeoutMs, DEFAULT_IDENTIFY_TIMEOUT_MS),
    sessionIdHashKey: config.sessionIdExport === "raw" ? undefined : sessionIdKeyOf(config),
  };
}

// One random key per process, when none is given: hashes are stable for a session's life.
let processSessionIdKey: string | undefined;

function sessionIdKeyOf(config: McpInstrumentationConfig): string {
  if (typeof config.sessionIdKey === "string" && config.sessionIdKey !== "") {
    return config.sessionIdKey;
  }
  processSessionIdKey ??= randomBytes(32).toString("hex");
  return processSessionIdKey;
}

/** A bound or timeout of 0 would record nothing, or wait for nothing: it falls back, said so. */
function positiveOr(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  diag.warn(`mcpcat-otel: ${String(value)} is not a positive number; using ${fallback}`);
  return fallback;
}
