/*
 * The one way this package reaches the SDK: for each generation of src/reach/generations.ts,
 * every copy of its `Protocol` module is handed to one `patch` function (idempotent) by whichever
 * of three paths sees it first. Each path is kept because a test fails without it (docs/reach.md):
 * the loader hook (copies loaded later, anywhere), `require.cache` (CommonJS required before) and
 * the ESM build resolvable from the app, loaded with `require()` (ESM imported before). A copy
 * outside its generation's range gets one diag warning naming it, and is left alone.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { log, warnOnce } from "../log.js";
import { BUNDLED_PROTOCOL_TARGET } from "./bundle-recognition.js";
import { GENERATIONS, type Generation } from "./generations.js";
import { installLoaderHook, subscribeToTarget } from "./loader-hook.js";
import { bundledProtocol } from "./protocol-lookup.js";

/** Patches the `Protocol` a module of `generation` exports; `release` names the copy. */
export type PatchModule = (generation: Generation, moduleExports: unknown, release: string) => void;

/**
 * This module's own file, as a path: `__filename` in the CommonJS build (a file URL made from it
 * would break on a `%` or `#` in the install path), `import.meta.url` in ESM.
 */
const SELF = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);

/**
 * Hands every SDK copy loaded so far, and (through the loader hook) every one loaded later, to
 * `patch`. Returns the function that stops the hand-over of later copies.
 */
export function reachSdk(patch: PatchModule): () => void {
  const unsubscribe: (() => void)[] = [];
  try {
    if (installLoaderHook()) {
      for (const generation of GENERATIONS) {
        for (const target of generation.targets) {
          unsubscribe.push(
            subscribeToTarget(target.id, (exports, file) => {
              const release = releaseOf(generation, packageDirOf(file));
              if (release) patch(generation, exports, release);
            }),
          );
        }
      }
      // A bundle that inlines the SDK: its class, handed over as it is defined (no version to
      // read, so its members tell the generation).
      unsubscribe.push(
        subscribeToTarget(BUNDLED_PROTOCOL_TARGET, (handedOver, file) => {
          const where = `the MCP SDK bundled in ${file}`;
          const found = bundledProtocol(handedOver);
          if ("reason" in found)
            return warnOnce(`${where}: ${found.reason}; its requests are not traced`);
          const generation = GENERATIONS.find((known) => known.id === found.generation);
          if (generation) patch(generation, handedOver, where);
        }),
      );
    }
  } catch (error) {
    log.error("could not install the loader hook; copies outside the app are not reached", error);
  }
  for (const generation of GENERATIONS) {
    try {
      patchLoaded(generation, patch);
    } catch (error) {
      // Never from a constructor (the base class enables there): the app must still start.
      log.error(`could not hook the MCP SDK ${generation.id}; requests will not be traced`, error);
    }
  }
  return () => {
    for (const stop of unsubscribe) stop();
  };
}

/** Modules already required, and the ESM ones this process imported or would import. */
function patchLoaded(generation: Generation, patch: PatchModule): void {
  for (const [file, entry] of Object.entries(createRequire(SELF).cache)) {
    if (!entry?.exports || !generation.cachedFile.test(file)) continue;
    const release = releaseOf(generation, packageDirOf(file));
    if (release) patch(generation, entry.exports, release);
  }
  const seen = new Set<string>();
  for (const origin of [path.join(process.cwd(), "index.js"), SELF]) {
    const require = createRequire(origin);
    for (const specifier of generation.resolvable) {
      let cjsFile: string;
      try {
        cjsFile = require.resolve(specifier);
      } catch {
        continue; // not installed where this origin can see it: nothing to do, nothing to say
      }
      const esmFile = generation.esmFileOf(cjsFile);
      if (esmFile === cjsFile || seen.has(esmFile)) continue;
      seen.add(esmFile);
      const release = releaseOf(generation, packageDirOf(esmFile));
      if (!release) continue;
      let exports: unknown;
      try {
        exports = require(esmFile);
      } catch {
        continue; // a broken install: the other paths still apply
      }
      patch(generation, exports, release);
    }
  }
}

function packageDirOf(file: string): string | undefined {
  const at = file.lastIndexOf(`${path.sep}dist${path.sep}`);
  return at === -1 ? undefined : file.slice(0, at);
}

/**
 * The copy in `packageDir` as "package version" when its generation supports it; undefined, and
 * a diag warning naming it, when it does not.
 */
function releaseOf(generation: Generation, packageDir: string | undefined): string | undefined {
  if (!packageDir) return undefined;
  let manifest: { name?: unknown; version?: unknown } = {};
  try {
    manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  } catch {
    // unreadable: reported below as an unknown version
  }
  const name = generation.packages.find((known) => known === manifest.name);
  const pkg = name ?? generation.packages[0];
  const version = String(manifest.version);
  const [major = Number.NaN, minor = 0] = version
    .split(".")
    .map((part) => Number.parseInt(part, 10));
  if (generation.inRange(major, minor)) return `${pkg} ${version}`;
  warnOnce(
    `${pkg} ${version.slice(0, 40)} at ${packageDir} is outside the supported range ` +
      `${generation.supportedRange}; its requests are not traced`,
  );
  return undefined;
}
