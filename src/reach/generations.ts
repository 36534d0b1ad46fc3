/*
 * The one table of MCP TypeScript SDK generations: for each, which packages and versions, which
 * files hold its `Protocol` (and where a loader hook, `require.cache` or a resolution finds them),
 * and which `Protocol` methods carry its requests and notifications. Everything that reaches the
 * SDK (src/reach/sdk-reach.ts, the loader hook) and everything that patches it
 * (src/instrumentation.ts) reads this table; a new generation, or a new kind of target, is one
 * more entry.
 *
 * v1 (`@modelcontextprotocol/sdk` 1.x) ships two `Protocol` classes (dist/cjs and dist/esm) and
 * no `main`: it is found by its protocol files. v2 (`@modelcontextprotocol/server`, `/client`
 * 2.x) bundles a copy per package and build into chunks with hashed names: it is found by the
 * packages' root entries, which export `Protocol`. Data and pure readers only.
 */

/** A file the loader hook watches: matched on the module's URL, handed its exports once run. */
export interface HookTarget {
  /** Key handlers subscribe under (see `subscribeToTarget`). */
  readonly id: string;
  /** Matches the file URL of the ESM build (`file:///…`, always `/`-separated). */
  readonly esm: RegExp;
  /** Matches the file URL of the CommonJS build. */
  readonly cjs: RegExp;
  /** The exports the handler needs; the ESM build hands over these names. */
  readonly exportNames: readonly string[];
}

export type GenerationId = "v1" | "v2";

export interface Generation {
  readonly id: GenerationId;
  /** The npm packages of this generation; the first names a copy whose package.json has no name. */
  readonly packages: readonly string[];
  /** The supported versions, as the warning about a copy outside them says. */
  readonly supportedRange: string;
  /** `[major, minor]` of a package.json version in the supported range. */
  inRange(major: number, minor: number): boolean;
  /** The files that hold `Protocol`, for the loader hook. */
  readonly targets: readonly HookTarget[];
  /** The same CommonJS files, as `require.cache` keys (OS paths). */
  readonly cachedFile: RegExp;
  /** Specifiers whose resolution from the app is a CommonJS file of {@link cachedFile}... */
  readonly resolvable: readonly string[];
  /** ...and the ESM file beside it, which an `import` of the same copy loads. */
  esmFileOf(cjsFile: string): string;
  /** The method every request sent funnels into. */
  readonly sendRequest: "request" | "_requestWithSchemaViaCodec";
  /** The method every notification sent funnels into (v2: `notification()` and `ctx.mcpReq.notify`). */
  readonly sendNotification: "notification" | "_notificationViaCodec";
  /** Where the message is among the send methods' arguments (v2's take a codec first). */
  readonly messageArg: 0 | 1;
  /** `_onrequest`'s `extra` comes from a web `Request` (v2), not in v1's shape. */
  readonly webExtra: boolean;
  /** The SDK drops, without a response, requests its connection's era cannot serve (v2). */
  readonly dropsByEra: boolean;
}

const V1: Generation = {
  id: "v1",
  packages: ["@modelcontextprotocol/sdk"],
  // `_onrequest(request, extra)` has had this shape since 1.10 (tested: test/compat).
  supportedRange: ">=1.10.0 <2",
  inRange: (major, minor) => major === 1 && minor >= 10,
  targets: [
    {
      id: "sdk-v1",
      esm: /\/@modelcontextprotocol\/sdk\/dist\/esm\/shared\/protocol\.js$/,
      cjs: /\/@modelcontextprotocol\/sdk\/dist\/cjs\/shared\/protocol\.js$/,
      exportNames: ["Protocol"],
    },
  ],
  cachedFile: /[\\/]@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]cjs[\\/]shared[\\/]protocol\.js$/,
  resolvable: ["@modelcontextprotocol/sdk/shared/protocol.js"],
  esmFileOf: (cjsFile) => cjsFile.replace(/([\\/]dist[\\/])cjs([\\/])/, "$1esm$2"),
  sendRequest: "request",
  sendNotification: "notification",
  messageArg: 0,
  webExtra: false,
  dropsByEra: false,
};

const V2: Generation = {
  id: "v2",
  packages: ["@modelcontextprotocol/server", "@modelcontextprotocol/client"],
  supportedRange: "2.x",
  inRange: (major) => major === 2,
  targets: [
    {
      id: "server-v2",
      esm: /\/@modelcontextprotocol\/server\/dist\/index\.mjs$/,
      cjs: /\/@modelcontextprotocol\/server\/dist\/index\.cjs$/,
      exportNames: ["Protocol"],
    },
    {
      id: "client-v2",
      esm: /\/@modelcontextprotocol\/client\/dist\/index\.mjs$/,
      cjs: /\/@modelcontextprotocol\/client\/dist\/index\.cjs$/,
      // `Client` too: its `listen` (subscriptions/listen) is wrapped.
      exportNames: ["Protocol", "Client"],
    },
  ],
  cachedFile: /[\\/]@modelcontextprotocol[\\/](?:server|client)[\\/]dist[\\/]index\.cjs$/,
  resolvable: ["@modelcontextprotocol/server", "@modelcontextprotocol/client"],
  esmFileOf: (cjsFile) => cjsFile.replace(/\.cjs$/, ".mjs"),
  // request(), discover() and a handler's ctx.mcpReq.send all funnel into it.
  sendRequest: "_requestWithSchemaViaCodec",
  sendNotification: "_notificationViaCodec",
  messageArg: 1,
  webExtra: true,
  dropsByEra: true,
};

export const GENERATIONS: readonly Generation[] = [V1, V2];

/**
 * `Protocol` from a module's exports, or the base class of its `Server`/`Client` if it does not
 * export it. Safe on anything.
 */
export function protocolOf(moduleExports: unknown): unknown {
  if (!moduleExports || (typeof moduleExports !== "object" && typeof moduleExports !== "function"))
    return undefined;
  const exports = moduleExports as {
    Protocol?: unknown;
    Server?: { prototype?: object };
    Client?: { prototype?: object };
  };
  if (typeof exports.Protocol === "function") return exports.Protocol;
  const role = exports.Server ?? exports.Client;
  const base = role?.prototype && Object.getPrototypeOf(role.prototype);
  return typeof base?.constructor === "function" ? base.constructor : undefined;
}

/** The prototype of the `Client` a module exports, when that `Client` extends `protocol`. */
export function clientPrototypeOf(moduleExports: unknown, protocol: unknown): object | undefined {
  const Client = (moduleExports as { Client?: unknown } | undefined)?.Client;
  const prototype: unknown =
    typeof Client === "function" ? (Client as { prototype?: unknown }).prototype : undefined;
  if (typeof prototype !== "object" || prototype === null) return undefined;
  const base = (protocol as { prototype?: unknown } | undefined)?.prototype;
  return Object.getPrototypeOf(prototype) === base ? prototype : undefined;
}

/** Cheap first test of the loader hook: every target lives under this scope. */
export const TARGET_SCOPE = "/@modelcontextprotocol/";

/** Every generation's targets: the files the loader hook watches. */
export const HOOK_TARGETS: readonly HookTarget[] = GENERATIONS.flatMap((g) => g.targets);

/** The target a module URL belongs to, and in which build; undefined for every other module. */
export function targetOf(url: string): { target: HookTarget; esm: boolean } | undefined {
  if (!url.includes(TARGET_SCOPE)) return undefined;
  const bare = url.replace(/[?#].*$/, "");
  for (const target of HOOK_TARGETS) {
    if (target.esm.test(bare)) return { target, esm: true };
    if (target.cjs.test(bare)) return { target, esm: false };
  }
  return undefined;
}
