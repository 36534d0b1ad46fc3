/*
 * The SDK `Protocol` behind what the app hands over — a class from a bundle, or a `Server`,
 * `McpServer` or `Client` instance — and its generation, decided by its members: a bundled copy
 * has no package.json to read a version from, and class names may be minified away.
 */
import type { ProtocolPrototype } from "../internal-types.js";
import type { GenerationId } from "./generations.js";

/** A `Protocol` prototype to patch, and the v2 `Client` class built on it when there is one. */
export interface FoundProtocol {
  prototype: ProtocolPrototype;
  generation: GenerationId;
  client?: { prototype: object };
}

const has = (target: object, name: string) =>
  typeof (target as Record<string, unknown>)[name] === "function";

/**
 * The generation of a `Protocol` prototype, or why it is not one this package traces. v2 sends
 * every request through `_requestWithSchemaViaCodec`; v1 through `request`, and since 1.10 its
 * `_onrequest` takes `(request, extra)` (1.9 and older take one argument and are not traced).
 */
export function generationOf(prototype: object): GenerationId | { reason: string } {
  if (!has(prototype, "_onrequest") || !has(prototype, "_onresponse"))
    return { reason: "no Protocol with _onrequest and _onresponse methods" };
  if (has(prototype, "_requestWithSchemaViaCodec")) return "v2";
  if (!has(prototype, "request")) return { reason: "a Protocol with no request method" };
  // Once patched, the SDK's own method is behind our wrapper (`__original`, shimmer's).
  const patched = (prototype as { _onrequest: { length: number; __original?: { length: number } } })
    ._onrequest;
  const onrequest = patched.__original ?? patched;
  if (onrequest.length < 2)
    return { reason: "a Protocol older than SDK 1.10 (_onrequest takes no extra)" };
  return "v1";
}

/** The `Protocol` class a loader hook handed over from a bundle (`{ Protocol }`). */
export function bundledProtocol(handedOver: unknown): FoundProtocol | { reason: string } {
  const prototype = (handedOver as { Protocol?: { prototype?: unknown } } | undefined)?.Protocol
    ?.prototype;
  if (typeof prototype !== "object" || prototype === null) return { reason: "no class" };
  const generation = generationOf(prototype);
  if (typeof generation !== "string") return generation;
  return { prototype: prototype as ProtocolPrototype, generation };
}

/**
 * The `Protocol` prototype behind a `Server` or `Client` instance (or an `McpServer`, through
 * its `.server`): the first prototype up its chain that owns `_onrequest`.
 */
export function protocolOfInstance(instance: unknown): FoundProtocol | { reason: string } {
  if (typeof instance !== "object" || instance === null)
    return { reason: `expected an MCP Server, McpServer or Client, got ${typeOf(instance)}` };
  let target: object = instance;
  const inner = (instance as { server?: unknown }).server;
  if (!has(target, "_onrequest") && typeof inner === "object" && inner !== null) target = inner;
  let prototype: object | null = Object.getPrototypeOf(target);
  for (let depth = 0; prototype && depth < 10; depth++) {
    if (Object.hasOwn(prototype, "_onrequest")) break;
    prototype = Object.getPrototypeOf(prototype);
  }
  if (!prototype || prototype === Object.prototype)
    return { reason: "not an MCP Server, McpServer or Client (no Protocol in its prototypes)" };
  const generation = generationOf(prototype);
  if (typeof generation !== "string") return generation;
  // v2's `Client` has its own `listen` to wrap, on the class right above `Protocol`.
  const own = Object.getPrototypeOf(target) as object;
  const client =
    generation === "v2" && Object.getPrototypeOf(own) === prototype && has(own, "listen")
      ? (own.constructor as { prototype: object })
      : undefined;
  return { prototype: prototype as ProtocolPrototype, generation, client };
}

function typeOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}
