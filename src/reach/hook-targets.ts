/**
 * The files the loader hook watches: the targets of every SDK generation (src/reach/generations.ts),
 * matched on the module's URL with a cheap string test first, so that every other module pays
 * nothing. A new kind of target is one more entry in that table.
 */
import { GENERATIONS, type HookTarget } from "./generations.js";

export type { HookTarget } from "./generations.js";

/** Cheap first test: every target lives under this scope. */
export const TARGET_SCOPE = "/@modelcontextprotocol/";

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
