/*
 * What the loader hook appends to a target module: one statement that hands the module's
 * exports to the hook slot on `globalThis` once the module body has run.
 *
 * CommonJS: `module.exports`. ESM: an object of the exported names the target needs, read
 * through their local bindings. A self-import (`import * as ns from <own url>`) would be
 * simpler, but Node 22 cannot `require()` an ES module that imports itself ("request for … is
 * not in cache"), so it is only the fallback when an export's local name cannot be found.
 */

import type { HookTarget } from "./generations.js";
import { HOOK_SLOT_KEY } from "./hook-slot.js";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `source` with the notifying statement appended. */
export function appendNotifier(
  source: string,
  url: string,
  target: HookTarget,
  esm: boolean,
): string {
  const call = (exportsExpr: string, whereExpr: string) =>
    `;try{globalThis[Symbol.for(${JSON.stringify(HOOK_SLOT_KEY)})]?.loaded(` +
    `${JSON.stringify(target.id)},${exportsExpr},${whereExpr})}catch{}`;
  if (!esm) return `${source}\n${call("module.exports", "__filename")}\n`;
  const locals = target.exportNames.map((name) => [name, localNameOf(source, name)] as const);
  if (locals.every(([, local]) => local !== undefined)) {
    const object = locals.map(([name, local]) => `${JSON.stringify(name)}:${local}`).join(",");
    return `${source}\n${call(`{${object}}`, "import.meta.url")}\n`;
  }
  const self = "__mcpcat_otel_self";
  return `${source}\nimport * as ${self} from ${JSON.stringify(url)};\n${call(self, "import.meta.url")}\n`;
}

/**
 * The local binding an ES module exports as `name`: from `export class|function|const|let|var
 * name`, or from an `export { local as name }` clause without `from` (what bundlers emit).
 */
export function localNameOf(source: string, name: string): string | undefined {
  if (!IDENTIFIER.test(name)) return undefined;
  const declared = new RegExp(
    `(?:^|[\\s;}])export\\s+(?:declare\\s+)?(?:class|function\\*?|const|let|var)\\s+${escapeRegExp(name)}(?![\\w$])`,
  );
  if (declared.test(source)) return name;
  for (const clause of source.matchAll(/(?:^|[\s;}])export\s*\{([^}]*)\}(\s*from\b)?/g)) {
    if (clause[2]) continue; // a re-export: no local binding here
    for (const part of (clause[1] ?? "").split(",")) {
      const [local, exported = local] = part.trim().split(/\s+as\s+/);
      if (exported?.trim() === name && local && IDENTIFIER.test(local.trim())) return local.trim();
    }
  }
  return undefined;
}

function escapeRegExp(name: string): string {
  return name.replace(/\$/g, "\\$");
}
