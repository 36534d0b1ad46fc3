/*
 * Installs from the npm registry into temporary folders outside the project, the way a user's
 * app or a third-party server has its own `node_modules`. Each install happens once per test
 * file run; the folders are removed by `removeOutsideInstalls()`.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./child.js";

const run = promisify(execFile);
const created: string[] = [];

/** A fresh folder outside the project (removed by `removeOutsideInstalls`). */
export function outsideFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcpcat-otel-${prefix}-`));
  created.push(dir);
  return dir;
}

/** `npm ci` of a compatibility fixture's locked install (test/compat/<fixture>) into a new folder. */
export async function installFixtureOutside(fixture: string): Promise<string> {
  const dir = outsideFolder(fixture);
  for (const file of ["package.json", "package-lock.json"]) {
    copyFileSync(join(ROOT, "test", "compat", fixture, file), join(dir, file));
  }
  await installFixture(dir);
  return dir;
}

/** `npm ci` of the app in `dir` (its own lock), then `packages` (say, a tarball) on top. */
export async function installFixture(dir: string, ...packages: string[]): Promise<void> {
  await npm(dir, "ci");
  if (packages.length > 0) await npm(dir, "install", "--no-save", ...packages);
}

/**
 * The project packed as npm would publish it (`npm pack`), as a tarball path. Packs the dist/
 * that `pretest` built: the `prepack` build would empty dist/ under tests running alongside
 * (test/packaging.test.ts checks the `prepack` build, on a copy of the sources).
 */
export async function packProject(): Promise<string> {
  const dir = outsideFolder("pack");
  const args = ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir];
  const { stdout } = await run("npm", args, { cwd: ROOT });
  return join(dir, stdout.trim().split("\n").at(-1)!);
}

/** A new app folder with `packages` installed from the registry (and tarball paths). */
export async function installApp(packages: string[]): Promise<string> {
  const dir = outsideFolder("app");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true }));
  await npm(dir, "install", ...packages);
  return dir;
}

export function removeOutsideInstalls(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

async function npm(cwd: string, ...args: string[]) {
  await run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    timeout: 240_000,
  });
}
