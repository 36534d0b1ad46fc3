/**
 * The files the loader hook watches, one entry per thing to patch. A target is matched on the
 * module's URL (a cheap string test, so that every other module pays nothing); its handler gets
 * the module's exports once the module has run.
 */
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

/** Cheap first test: every target lives under this scope. */
export const TARGET_SCOPE = "/@modelcontextprotocol/";

export const HOOK_TARGETS: readonly HookTarget[] = [
  {
    // SDK v1 (`@modelcontextprotocol/sdk` 1.x): both builds' `Protocol`.
    id: "sdk-v1",
    esm: /\/@modelcontextprotocol\/sdk\/dist\/esm\/shared\/protocol\.js$/,
    cjs: /\/@modelcontextprotocol\/sdk\/dist\/cjs\/shared\/protocol\.js$/,
    exportNames: ["Protocol"],
  },
  {
    // SDK v2: chunk names are hashed, so the hook is on the package root, which exports Protocol.
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
];

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
