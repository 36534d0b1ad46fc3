/*
 * The loader hook: reaches every copy of a target (an MCP SDK `Protocol` module) the process
 * loads, wherever it is installed, for `import` and `require` alike.
 *
 * It uses Node's synchronous in-thread `module.registerHooks` (Node >= 22.15, no flag, no
 * warning), whose `load` hook sees both module systems. A target file (a URL under
 * `@modelcontextprotocol/` that the table names) gets one statement appended (hook-source.ts)
 * that hands its exports to the shared slot, which calls the handlers subscribed for that
 * target. Any other module costs one search of its bytes: a bundle that inlines the SDK hands
 * its `Protocol` class over from a static block (bundle-recognition.ts).
 *
 * The slot lives on `globalThis` (src/reach/hook-slot.ts, the contract between copies of this
 * package): every build and installed copy shares one slot and one hook.
 */
import * as nodeModule from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { log, warnOnce } from "../log.js";
import { mayHoldProtocol, recogniseBundle } from "./bundle-recognition.js";
import { targetOf } from "./generations.js";
import { hookSlot, type TargetHandler } from "./hook-slot.js";
import { appendNotifier } from "./hook-source.js";

export type { TargetHandler } from "./hook-slot.js";

type LoadHook = (
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => { format?: string | null; source?: unknown },
) => { format?: string | null; source?: unknown };
type RegisterHooks = (hooks: { load: LoadHook }) => unknown;

/**
 * Installs the loader hook once per process (later calls do nothing). Returns whether it is in
 * place; false on a Node without `module.registerHooks`.
 */
export function installLoaderHook(): boolean {
  const slot = hookSlot();
  if (slot.installed) return true;
  const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks !== "function") {
    log.debug(
      "module.registerHooks is missing; MCP SDK copies are reached only from the app's cwd",
    );
    return false;
  }
  try {
    registerHooks({ load: loadHook });
    slot.installed = true;
  } catch (error) {
    log.warn("could not install the loader hook", error);
  }
  return slot.installed;
}

/**
 * Calls `handler` with the exports of every module of `targetId` loaded so far through the hook,
 * and of every one loaded later. Returns the function that unsubscribes it.
 */
export function subscribeToTarget(targetId: string, handler: TargetHandler): () => void {
  return hookSlot().subscribe(targetId, handler);
}

const loadHook: LoadHook = (url, context, nextLoad) => {
  const result = nextLoad(url, context);
  const hit = targetOf(url);
  if (!hit) return withBundledProtocol(url, result);
  if (result.source == null) return result;
  if (result.format !== (hit.esm ? "module" : "commonjs")) return result;
  try {
    const source = typeof result.source === "string" ? result.source : sourceText(result.source);
    return { ...result, source: appendNotifier(source, url, hit.target, hit.esm) };
  } catch (error) {
    log.warn(`could not prepare ${url} for tracing`, error);
    return result;
  }
};

/**
 * The SDK's own packages: their `Protocol` is reached through the targets (with a version check).
 * Other packages of the scope are looked at: the SDK's example servers are bundles.
 */
const SDK_PACKAGE = /\/@modelcontextprotocol\/(?:sdk|server|client|core)\//;
/**
 * This package's own files (its build beside this file, and any installed copy): they name the
 * SDK's methods in wrappers and comments, and must never be taken for a bundle of it.
 */
const OWN_DIR = `${pathToFileURL(path.dirname(typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url))).href}/`;
const OWN_PACKAGE = /\/node_modules\/mcpcat-otel\//;

/**
 * Any other module: a bundle that inlines the SDK gets its `Protocol` class handed over
 * (bundle-recognition.ts).
 */
function withBundledProtocol(url: string, result: ReturnType<LoadHook>): ReturnType<LoadHook> {
  const esm = result.format === "module";
  if (result.source == null || (!esm && result.format !== "commonjs")) return result;
  if (SDK_PACKAGE.test(url) || OWN_PACKAGE.test(url) || url.startsWith(OWN_DIR)) return result;
  if (!mayHoldProtocol(result.source)) return result;
  try {
    const found = recogniseBundle(sourceText(result.source), url, esm);
    if (found?.source !== undefined) return { ...result, source: found.source };
    if (found) {
      warnOnce(
        `${url} seems to bundle the MCP SDK, left untouched and not traced: ${found.reason}`,
      );
    }
  } catch (error) {
    log.warn(`could not look for a bundled MCP SDK in ${url}; left untouched`, error);
  }
  return result;
}

function sourceText(source: unknown): string {
  if (source instanceof Uint8Array) return Buffer.from(source).toString("utf8");
  if (source instanceof ArrayBuffer) return Buffer.from(source).toString("utf8");
  return String(source);
}
