/*
 * A user's `npm install mcpcat-otel @opentelemetry/api @opentelemetry/sdk-node`, with this
 * package as npm would publish it (`npm pack`): one copy of every `@opentelemetry/*` package,
 * none nested under another (sdk-node pins exact versions of core, sdk-trace, instrumentation).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runToEnd } from "./helpers/child.js";
import { installApp, packProject, removeOutsideInstalls } from "./helpers/outside-install.js";

afterAll(removeOutsideInstalls);

it("installs one copy of each @opentelemetry package next to sdk-node", async () => {
  const tarball = await packProject();
  const app = await installApp([tarball, "@opentelemetry/api", "@opentelemetry/sdk-node"]);
  const nested = nestedOpenTelemetry(join(app, "node_modules"));
  expect(nested).toEqual([]);
  const top = readdirSync(join(app, "node_modules", "@opentelemetry"));
  expect(top).toEqual(
    expect.arrayContaining(["api", "core", "sdk-node", "sdk-trace", "instrumentation"]),
  );
  // And the installed package works there, from both module systems.
  const version = (name: string) =>
    JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")).version;
  expect(version("mcpcat-otel")).toMatch(/^\d/);
  const probe = await runToEnd(
    [
      "-e",
      `require(${JSON.stringify(join(app, "node_modules", "mcpcat-otel"))}); import(${JSON.stringify(join(app, "node_modules", "mcpcat-otel", "dist", "index.mjs"))}).then((m) => process.stderr.write(typeof m.McpInstrumentation))`,
    ],
    {},
  );
  expect(probe.stderr).toBe("function");
  // The `mcpcat-otel` command is linked, and runs.
  const help = await runToEnd([join(app, "node_modules", ".bin", "mcpcat-otel"), "--help"], {});
  expect(help.stderr).toMatch(/^usage: mcpcat-otel <command>/);
  expect(help.code).toBe(0);
}, 240_000);

/** Every `@opentelemetry/*` package folder below another package's own node_modules. */
function nestedOpenTelemetry(nodeModules: string, depth = 0): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === ".bin") continue;
    const packages = entry.name.startsWith("@")
      ? readdirSync(join(nodeModules, entry.name)).map((name) => join(entry.name, name))
      : [entry.name];
    for (const name of packages) {
      if (depth > 0 && name.startsWith("@opentelemetry/")) found.push(join(nodeModules, name));
      const inner = join(nodeModules, name, "node_modules");
      try {
        found.push(...nestedOpenTelemetry(inner, depth + 1));
      } catch {
        // no node_modules of its own
      }
    }
  }
  return found;
}
