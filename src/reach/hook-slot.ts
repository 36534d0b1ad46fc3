/*
 * The contract between installed copies of this package: the one object they share on
 * `globalThis`. A process may hold several copies (the app's, `npx mcpcat-otel`'s, each build:
 * ESM, CommonJS, `register`, `hook`), and the SDK modules the loader hook rewrites call into
 * whichever copy installed the hook. What every copy may rely on, under {@link HOOK_SLOT_KEY}:
 *  - `version` is {@link HOOK_SLOT_VERSION}; a change that breaks any promise below takes a new
 *    key (the version is part of it), so that copies of different versions never share a slot
 *    they read differently;
 *  - `loaded(targetId, moduleExports, where)` is what the statement appended to a target module
 *    calls (src/reach/hook-source.ts): `targetId` is an id of src/reach/generations.ts, the
 *    exports are `module.exports` (CommonJS) or an object of the target's `exportNames` (ESM),
 *    `where` is `__filename` or `import.meta.url`. It never throws into the module;
 *  - `subscribe(targetId, handler)` calls `handler(moduleExports, file)` for every module of that
 *    target loaded so far and every one loaded later, and returns the function that unsubscribes;
 *  - `installed` is true once one copy's loader hook is registered in this process.
 * The other `globalThis` key, `mcpcat-otel.register.started` (src/register/start.ts), only says
 * that a `register` entry has run, so that `-r` and `--import` together start one SDK.
 */
import { fileURLToPath } from "node:url";
import { log } from "../log.js";

export const HOOK_SLOT_VERSION = 1;
/** The `Symbol.for` key of the slot. */
export const HOOK_SLOT_KEY = `mcpcat-otel.loader-hook.v${HOOK_SLOT_VERSION}`;

/** Called with a target module's exports (ESM: the names the target lists) and its file path. */
export type TargetHandler = (moduleExports: unknown, file: string) => void;

export interface HookSlot {
  readonly version: number;
  loaded(targetId: string, moduleExports: unknown, where: unknown): void;
  subscribe(targetId: string, handler: TargetHandler): () => void;
  installed: boolean;
}

/** This process's slot, made by the first copy that asks. */
export function hookSlot(): HookSlot {
  const registry = globalThis as { [key: symbol]: HookSlot | undefined };
  const key = Symbol.for(HOOK_SLOT_KEY);
  registry[key] ??= newSlot();
  return registry[key];
}

function newSlot(): HookSlot {
  const handlers = new Map<string, Set<TargetHandler>>();
  const seen = new Map<string, { moduleExports: unknown; file: string }[]>();
  const call = (handler: TargetHandler, moduleExports: unknown, file: string) => {
    try {
      handler(moduleExports, file);
    } catch (error) {
      log.error(`could not instrument ${file}`, error);
    }
  };
  return {
    version: HOOK_SLOT_VERSION,
    installed: false,
    loaded(targetId, moduleExports, where) {
      const file =
        typeof where === "string" && where.startsWith("file:")
          ? fileURLToPath(where)
          : String(where);
      const list = seen.get(targetId) ?? [];
      list.push({ moduleExports, file });
      seen.set(targetId, list);
      for (const handler of handlers.get(targetId) ?? []) call(handler, moduleExports, file);
    },
    subscribe(targetId, handler) {
      const set = handlers.get(targetId) ?? new Set();
      set.add(handler);
      handlers.set(targetId, set);
      for (const { moduleExports, file } of seen.get(targetId) ?? [])
        call(handler, moduleExports, file);
      return () => set.delete(handler);
    },
  };
}
