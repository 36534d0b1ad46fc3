/*
 * The loader hook: reaches every copy of a target (an MCP SDK `Protocol` module) the process
 * loads, wherever it is installed, for `import` and `require` alike.
 *
 * It uses Node's synchronous in-thread `module.registerHooks` (Node >= 22.15, no flag, no
 * warning), whose `load` hook sees both module systems. Only URLs under `@modelcontextprotocol/`
 * are looked at; a target file gets one statement appended (hook-source.ts) that hands its
 * exports to the shared slot, which calls the handlers subscribed for that target.
 *
 * The slot lives on `globalThis` (src/reach/hook-slot.ts, the contract between copies of this
 * package): every build and installed copy shares one slot and one hook.
 */
import * as nodeModule from "node:module";
import { log } from "../log.js";
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
  if (!hit || result.source == null) return result;
  if (result.format !== (hit.esm ? "module" : "commonjs")) return result;
  try {
    const source = typeof result.source === "string" ? result.source : sourceText(result.source);
    return { ...result, source: appendNotifier(source, url, hit.target, hit.esm) };
  } catch (error) {
    log.warn(`could not prepare ${url} for tracing`, error);
    return result;
  }
};

function sourceText(source: unknown): string {
  if (source instanceof Uint8Array) return Buffer.from(source).toString("utf8");
  if (source instanceof ArrayBuffer) return Buffer.from(source).toString("utf8");
  return String(source);
}
