import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/child.js";

// What `npm publish` would ship, packed from a copy of the sources that has never been built:
// the `prepack` build must make dist/, and every file the README points to must be inside.
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const SOURCES = ["package.json", "tsconfig.json", "tsup.config.ts", "src", "README.md", "LICENSE"];

/** `npm` as the test runner was started with (npm_execpath), else the one on PATH. */
function npm(args: string[], cwd: string): string {
  const npmCli = process.env.npm_execpath;
  return npmCli
    ? execFileSync(process.execPath, [npmCli, ...args], { cwd, encoding: "utf8" })
    : execFileSync("npm", args, { cwd, encoding: "utf8", shell: true });
}

/** Relative links of a markdown file: `[text](target)`, without anchors and absolute URLs. */
function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1]!.split("#")[0]!;
    if (target !== "" && !/^[a-z]+:/i.test(target)) links.push(target);
  }
  return links;
}

describe("the published package", () => {
  let files: Map<string, number>;
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), "mcpcat-otel-pack-"));
    const fresh = path.join(work, "pkg");
    for (const entry of [...SOURCES, ...pkg.files]) {
      const from = path.join(ROOT, entry);
      if (existsSync(from) && entry !== "dist")
        cpSync(from, path.join(fresh, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(fresh, "node_modules"), "dir");
    expect(existsSync(path.join(fresh, "dist"))).toBe(false);
    npm(["pack", "--silent", "--pack-destination", work], fresh);
    const tarball = path.join(work, `${pkg.name}-${pkg.version}.tgz`);
    files = new Map();
    const listing = execFileSync("tar", ["-tvzf", tarball], { encoding: "utf8" });
    for (const line of listing.trim().split("\n")) {
      const fields = line.trim().split(/\s+/);
      files.set(fields.at(-1)!.replace(/^package\//, ""), Number(fields[2]));
    }
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is built by prepack: every entry point in exports is in the tarball", () => {
    const targets: string[] = [];
    const walk = (value: unknown) => {
      if (typeof value === "string") targets.push(value.replace(/^\.\//, ""));
      else if (value && typeof value === "object") Object.values(value).forEach(walk);
    };
    walk(pkg.exports);
    walk({ main: pkg.main, module: pkg.module, types: pkg.types });
    for (const target of targets) expect(files.has(target), target).toBe(true);
  });

  it("holds what its README and docs point to, its LICENSE, and no source maps", () => {
    for (const name of ["README.md", "LICENSE", "package.json"]) expect(files.has(name)).toBe(true);
    const documents = [...files.keys()].filter((name) => name.endsWith(".md"));
    for (const doc of documents) {
      const text = readFileSync(path.join(ROOT, doc), "utf8");
      for (const link of relativeLinks(text)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(doc), link));
        expect(files.has(target), `${doc} links to ${link}, which is not in the tarball`).toBe(
          true,
        );
      }
    }
    expect([...files.keys()].filter((name) => name.endsWith(".map"))).toEqual([]);
    const unpacked = [...files.values()].reduce((sum, size) => sum + size, 0);
    // The code alone (dist, both module systems, four entries) is about 700 kB, the docs 110 kB:
    // a guard against shipping what no user needs (source maps, fixtures, the bench's tree).
    expect(unpacked).toBeLessThan(1_000_000);
  });

  it("says where it comes from and under which license", () => {
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(path.join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.scripts.prepack).toBe("npm run build");
  });
});
