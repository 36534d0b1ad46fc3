/*
 * How MCP TypeScript SDK v1 (`@modelcontextprotocol/sdk` 1.x) is hooked. The only v1-specific code.
 *
 * Every request a `Server` or `Client` handles goes through `Protocol.prototype._onrequest`.
 * The SDK ships two `Protocol` classes (dist/cjs and dist/esm) and its package.json has no
 * `main`, so the usual module-name hooks of InstrumentationBase never fire for CommonJS. We
 * therefore reach `Protocol` five ways, all patching the same prototype method at most once:
 *  1. ESM with the loader hook: an InstrumentationNodeModuleFile for dist/esm/shared/protocol.js.
 *  2. CommonJS: a require-in-the-middle hook of our own on dist/cjs/shared/protocol (internals).
 *  3. CommonJS loaded before enable(): a sweep of require.cache.
 *  4. ESM without the loader hook: at enable(), require() the ESM build's protocol.js by path
 *     (Node >= 20.19 loads ESM synchronously); it is the very class the app's `import` gets.
 *  5. Our own loader hook (src/register/loader-hook.ts): every copy loaded after it is in place,
 *     ESM or CommonJS, wherever installed. 2-4 remain the fast paths for what it cannot see.
 * A copy outside the supported range gets one diag warning naming its version.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from "@opentelemetry/instrumentation";
import { Hook } from "require-in-the-middle";
import { log } from "./log.js";
import type { TargetHandler } from "./register/loader-hook.js";

export const V1_PACKAGE = "@modelcontextprotocol/sdk";
/** The loader hook's target id for the v1 `Protocol` (see src/register/hook-targets.ts). */
export const V1_HOOK_TARGET = "sdk-v1";
/** `_onrequest(request, extra)` has had this shape since 1.10 (tested: test/compat). */
export const V1_SUPPORTED_VERSIONS = [">=1.10.0 <2"];
const V1_MIN_MINOR = 10;
const ESM_PROTOCOL_FILE = `${V1_PACKAGE}/dist/esm/shared/protocol.js`;
const CJS_PROTOCOL_MODULE = `${V1_PACKAGE}/dist/cjs/shared/protocol`;
const CJS_PROTOCOL_IN_CACHE =
  /[\\/]@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]cjs[\\/]shared[\\/]protocol\.js$/;
const RESOLVABLE_PROTOCOL = `${V1_PACKAGE}/shared/protocol.js`;
/**
 * This module's own file, as a path: `__filename` in the CommonJS build (a file URL made from it
 * would break on a `%` or `#` in the install path), `import.meta.url` in ESM.
 */
const SELF = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);

/** Patches (or unpatches) the `Protocol` class a protocol module exports. */
export interface ProtocolPatcher {
  /** `release` names the SDK copy (package and version) for warnings. */
  patch(moduleExports: unknown, release: string): void;
  unpatch(moduleExports: unknown): void;
}

/** Hook 1: the declared definition (fires for ESM when the loader hook is registered). */
export function v1ModuleDefinition(patcher: ProtocolPatcher): InstrumentationNodeModuleDefinition {
  const file = new InstrumentationNodeModuleFile(
    ESM_PROTOCOL_FILE,
    V1_SUPPORTED_VERSIONS,
    (moduleExports, moduleVersion) => {
      patcher.patch(moduleExports, `${V1_PACKAGE} ${moduleVersion ?? "(unknown version)"}`);
      return moduleExports;
    },
    (moduleExports) => patcher.unpatch(moduleExports),
  );
  return new InstrumentationNodeModuleDefinition(
    V1_PACKAGE,
    V1_SUPPORTED_VERSIONS,
    undefined,
    undefined,
    [file],
  );
}

/** Hook 2: CommonJS `require` of the SDK's protocol module, from any copy of the SDK. */
export function hookV1CommonJs(patcher: ProtocolPatcher): { unhook(): void } {
  return new Hook([CJS_PROTOCOL_MODULE], { internals: true }, (moduleExports, _name, baseDir) => {
    const release = supportedRelease(baseDir);
    if (release) patcher.patch(moduleExports, release);
    return moduleExports;
  });
}

/**
 * Hook 5: the loader hook (src/register/loader-hook.ts) hands over the `Protocol` of every SDK
 * copy loaded after it was installed, ESM or CommonJS, wherever the copy is installed.
 */
export function v1LoaderHookHandler(patcher: ProtocolPatcher): TargetHandler {
  return (moduleExports, file) => {
    const release = supportedRelease(packageDirOf(file));
    if (release) patcher.patch(moduleExports, release);
  };
}

/** Hooks 3 and 4: protocol modules already loaded, and the ESM one this process would import. */
export function patchLoadedV1(patcher: ProtocolPatcher): void {
  const cache = createRequire(SELF).cache;
  for (const [file, entry] of Object.entries(cache)) {
    if (entry?.exports && CJS_PROTOCOL_IN_CACHE.test(file)) {
      const release = supportedRelease(packageDirOf(file));
      if (release) patcher.patch(entry.exports, release);
    }
  }
  for (const [exports, release] of loadResolvableEsmProtocols()) patcher.patch(exports, release);
}

/** The ESM `protocol.js` of each SDK copy resolvable from the app (cwd) and from this package. */
function loadResolvableEsmProtocols(): [unknown, string][] {
  const loaded: [unknown, string][] = [];
  const seen = new Set<string>();
  const origins = [path.join(process.cwd(), "index.js"), SELF];
  for (const origin of origins) {
    const require = createRequire(origin);
    let cjsFile: string;
    try {
      cjsFile = require.resolve(RESOLVABLE_PROTOCOL);
    } catch {
      continue; // no SDK v1 resolvable from here
    }
    const esmFile = cjsFile.replace(/([\\/]dist[\\/])cjs([\\/])/, "$1esm$2");
    if (esmFile === cjsFile || seen.has(esmFile)) continue;
    const release = supportedRelease(packageDirOf(esmFile));
    if (!release) continue;
    seen.add(esmFile);
    try {
      loaded.push([require(esmFile), release]);
    } catch {
      // A Node without require(esm), or a broken install: hooks 1-3 still apply.
    }
  }
  return loaded;
}

function packageDirOf(file: string): string | undefined {
  const at = file.lastIndexOf(`${path.sep}dist${path.sep}`);
  return at === -1 ? undefined : file.slice(0, at);
}

/** Package folders already warned about, so that each unsupported copy is named once. */
const warned = new Set<string>();

/**
 * The SDK copy in `packageDir` as "package version" when it is in range; undefined, and a diag
 * warning naming it, when it is not.
 */
function supportedRelease(packageDir: string | undefined): string | undefined {
  if (!packageDir) return undefined;
  let version: unknown;
  try {
    version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
  } catch {
    version = undefined;
  }
  const [major, minor] = String(version)
    .split(".")
    .map((part) => Number.parseInt(part, 10));
  if (major === 1 && (minor ?? 0) >= V1_MIN_MINOR) return `${V1_PACKAGE} ${version}`;
  if (!warned.has(packageDir)) {
    warned.add(packageDir);
    log.warn(
      `${V1_PACKAGE} ${String(version).slice(0, 40)} at ${packageDir} is outside ` +
        `the supported range ${V1_SUPPORTED_VERSIONS.join(" ")}; its requests are not traced`,
    );
  }
  return undefined;
}
