/*
 * How MCP TypeScript SDK v2 (`@modelcontextprotocol/server`, `/client` 2.x) is hooked. The only
 * v2-specific code.
 *
 * Requests pass through `Protocol.prototype._onrequest` (in) and `_requestWithSchemaViaCodec`
 * (out: `request()`, `discover()` and a handler's `ctx.mcpReq.send` all funnel there). The
 * `Protocol` lives in chunk files with hashed names, and each package bundles its own copy, in a
 * CommonJS and an ESM build: four classes. We reach them only through the packages' root
 * exports, which name `Protocol`:
 *  1. `patchV2Root(rootExports)`: the entry point for a loader hook that sees a root module load.
 *  2. CommonJS: a require-in-the-middle hook on the two package names.
 *  3. CommonJS loaded before enable(): a sweep of require.cache for the root `index.cjs` files.
 *  4. ESM without a loader hook: at enable(), require() the ESM root (`index.mjs`) of each copy
 *     resolvable from the app (cwd) and from this package; it is the very module `import` gives.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Hook } from "require-in-the-middle";
import type { ClientRequestTracer } from "./client-request.js";
import type { McpRequest, McpRequestExtra } from "./config.js";
import { isModernRevision } from "./era.js";
import type { ProtocolLike } from "./internal-types.js";
import { requestInfoOf } from "./request-info.js";

export const V2_PACKAGES = ["@modelcontextprotocol/server", "@modelcontextprotocol/client"];
/** The loader hook's targets for the two packages' root entries (src/register/hook-targets.ts). */
export const V2_HOOK_TARGETS = ["server-v2", "client-v2"] as const;
/** The root entry files of both packages, both builds: what a loader hook should watch. */
export const V2_ROOT_FILE =
  /[\\/]@modelcontextprotocol[\\/](?:server|client)[\\/]dist[\\/]index\.(?:cjs|mjs)$/;
const CJS_ROOT_IN_CACHE =
  /[\\/]@modelcontextprotocol[\\/](?:server|client)[\\/]dist[\\/]index\.cjs$/;
const SELF = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);

/** Patches the v2 `Protocol` class handed over, and the `Client` built on it when there is one. */
export interface V2ProtocolPatcher {
  patch(moduleExports: { Protocol: unknown; Client?: { prototype: object } }): void;
}

/**
 * Entry point 1: given the root exports of `@modelcontextprotocol/server` or `/client` (either
 * build), patches the `Protocol` class behind them. Safe to call more than once, and on anything.
 */
export function patchV2Root(patcher: V2ProtocolPatcher, rootExports: unknown): void {
  const Protocol = protocolOf(rootExports) as { prototype?: object } | undefined;
  if (!Protocol) return;
  const Client: unknown = (rootExports as { Client?: unknown }).Client;
  const clientPrototype: unknown =
    typeof Client === "function" ? (Client as { prototype?: unknown }).prototype : undefined;
  const ownClient =
    typeof clientPrototype === "object" &&
    clientPrototype !== null &&
    Object.getPrototypeOf(clientPrototype) === Protocol.prototype;
  patcher.patch({ Protocol, Client: ownClient ? (Client as { prototype: object }) : undefined });
}

/** `Protocol` from the root exports, or the base class of `Server`/`Client` if it is not there. */
export function protocolOf(rootExports: unknown): unknown {
  if (!rootExports || (typeof rootExports !== "object" && typeof rootExports !== "function"))
    return undefined;
  const exports = rootExports as {
    Protocol?: unknown;
    Server?: { prototype?: object };
    Client?: { prototype?: object };
  };
  if (typeof exports.Protocol === "function") return exports.Protocol;
  const role = exports.Server ?? exports.Client;
  const base = role?.prototype && Object.getPrototypeOf(role.prototype);
  return typeof base?.constructor === "function" ? base.constructor : undefined;
}

/** Hook 2: CommonJS `require` of either package, from any copy installed anywhere. */
export function hookV2CommonJs(patcher: V2ProtocolPatcher): { unhook(): void } {
  return new Hook(V2_PACKAGES, (moduleExports, _name, baseDir) => {
    if (isSupportedVersion(baseDir)) patchV2Root(patcher, moduleExports);
    return moduleExports;
  });
}

/** Hooks 3 and 4: root modules already required, and the ESM ones this process would import. */
export function patchLoadedV2(patcher: V2ProtocolPatcher): void {
  const cache = createRequire(SELF).cache;
  for (const [file, entry] of Object.entries(cache)) {
    if (entry?.exports && CJS_ROOT_IN_CACHE.test(file) && isSupportedVersion(packageDirOf(file)))
      patchV2Root(patcher, entry.exports);
  }
  const seen = new Set<string>();
  for (const origin of [path.join(process.cwd(), "index.js"), SELF]) {
    const require = createRequire(origin);
    for (const name of V2_PACKAGES) {
      let cjsFile: string;
      try {
        cjsFile = require.resolve(name);
      } catch {
        continue; // not installed where this origin can see it: nothing to do, nothing to say
      }
      const esmFile = cjsFile.replace(/\.cjs$/, ".mjs");
      if (esmFile === cjsFile || seen.has(esmFile)) continue;
      seen.add(esmFile);
      if (!isSupportedVersion(packageDirOf(esmFile))) continue;
      try {
        patchV2Root(patcher, require(esmFile));
      } catch {
        // A broken install: hooks 1-3 still apply.
      }
    }
  }
}

/**
 * The `extra` v2 transports hand `_onrequest` (`{ request, authInfo, ... }`, where `request` is
 * the web `Request`), in v1's shape: `requestInfo.headers` and `authInfo`, so one `identify`
 * works on both generations. Transports without a web request (stdio, in-memory) pass through.
 */
export function v1ShapedExtra(extra: unknown): unknown {
  try {
    const request = (extra as { request?: unknown } | undefined)?.request as Request | undefined;
    if (typeof request?.headers?.get !== "function") return extra;
    const shaped: Partial<McpRequestExtra> = { requestInfo: requestInfoOf(request) };
    const authInfo = (extra as { authInfo?: unknown }).authInfo;
    if (authInfo !== undefined) shaped.authInfo = authInfo;
    return shaped;
  } catch {
    return extra; // an odd transport must not cost the request: it is traced without headers
  }
}

/** The parts of a v2 `Client` that `listen` reads. */
interface ListeningClient extends ProtocolLike {
  _nextListenId?: number;
  _negotiatedProtocolVersion?: string;
  _outboundMetaEnvelope(): Record<string, unknown> | undefined;
}
export type Listen = (
  this: ListeningClient,
  filter: unknown,
  options?: unknown,
) => Promise<unknown>;

/**
 * `Client.prototype.listen` traced: `subscriptions/listen` does not pass through `Protocol`
 * (the client writes it to the transport itself). One CLIENT span, from the call to the server's
 * acknowledgement (or the failure to get one): the stream itself may stay open for hours, and a
 * span held that long measures no operation and is lost if the process dies first. The context
 * rides in the request's `_meta` like any other: `listen` reads the envelope synchronously, so it
 * is lent the injected keys for the duration of the call.
 */
export function tracedListen(original: Listen, sent: ClientRequestTracer): Listen {
  return function listen(this: ListeningClient, filter: unknown, options?: unknown) {
    // On a legacy-era connection the SDK refuses before anything is sent: no request, no span.
    if (!isModernRevision(this._negotiatedProtocolVersion))
      return original.call(this, filter, options);
    const id = typeof this._nextListenId === "number" ? `listen:${this._nextListenId}` : null;
    const request: McpRequest = { id, method: "subscriptions/listen", params: {} };
    return sent.send(this, request, (withContext) => {
      const injected = withContext.params?._meta;
      const envelope = this._outboundMetaEnvelope;
      if (
        !injected ||
        Object.hasOwn(this, "_outboundMetaEnvelope") ||
        typeof envelope !== "function"
      )
        return original.call(this, filter, options);
      this._outboundMetaEnvelope = function withTraceContext(this: ListeningClient) {
        return { ...injected, ...envelope.call(this) };
      };
      try {
        return original.call(this, filter, options);
      } finally {
        delete (this as Partial<ListeningClient>)._outboundMetaEnvelope;
      }
    });
  };
}

function packageDirOf(file: string): string | undefined {
  const at = file.lastIndexOf(`${path.sep}dist${path.sep}`);
  return at === -1 ? undefined : file.slice(0, at);
}

/** 2.x only: the hooks below rely on the shape of 2.x's `Protocol` (checked again when patching). */
function isSupportedVersion(packageDir: string | undefined): boolean {
  if (!packageDir) return false;
  try {
    const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    return Number.parseInt(String(version), 10) === 2;
  } catch {
    return false;
  }
}
