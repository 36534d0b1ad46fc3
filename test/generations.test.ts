/*
 * One package for OpenTelemetry JS 2.x and 3.x apps. Each folder under generations/ is a user's
 * app with its own package.json and lock on one generation (2.x: api 1.9.1, sdk-node 0.223,
 * sdk-trace-base 2.12; 3.x: api 1.10.0, sdk-node 0.301, sdk-trace 3.1). It is copied outside the
 * project (nothing of the project's node_modules can resolve), installed from its lock, and given
 * mcpcat-otel from the packed tarball with a plain `npm install` (no flags: the peers must fit).
 * Then generations/app.mjs runs there: the app's own NodeSDK with McpInstrumentation, its own
 * span processors and meter provider, and MCPCatExporter in its generation's BatchSpanProcessor.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ATTR_USER_ID,
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
} from "../src/semconv.js";
import { cleanEnv } from "./helpers/child.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import {
  installFixture,
  outsideFolder,
  packProject,
  removeOutsideInstalls,
} from "./helpers/outside-install.js";

const run = promisify(execFile);
const GENERATIONS = fileURLToPath(new URL("./generations/", import.meta.url));
let tarball: Promise<string> | undefined;
afterAll(removeOutsideInstalls, 120_000);

/** The fixture as a user's app outside the project, with mcpcat-otel installed in it. */
async function prepareGeneration(fixture: string): Promise<string> {
  tarball ??= packProject();
  const folder = outsideFolder(fixture);
  for (const file of ["package.json", "package-lock.json"]) {
    copyFileSync(join(GENERATIONS, fixture, file), join(folder, file));
  }
  copyFileSync(join(GENERATIONS, "app.mjs"), join(folder, "app.mjs"));
  await installFixture(folder, await tarball);
  return folder;
}

/** Every copy of `name` installed under `nodeModules`, as `path@version`. */
function copiesOf(nodeModules: string, name: string): string[] {
  return openTelemetryPackages(nodeModules).filter((found) =>
    found.startsWith(`${join(nodeModules, name)}@`),
  );
}

/** Every `@opentelemetry/*` package installed under `nodeModules`, nested or not, as `path@version`. */
function openTelemetryPackages(nodeModules: string): string[] {
  return installedPackages(nodeModules).filter((found) =>
    found.slice(nodeModules.length).includes("@opentelemetry/"),
  );
}

/** Every package installed under `nodeModules`, nested or not, as `path@version`. */
function installedPackages(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const names = entry.startsWith("@")
        ? readdirSync(join(dir, entry)).map((inner) => `${entry}/${inner}`)
        : [entry];
      for (const pkg of names) {
        const folder = join(dir, pkg);
        if (pkg.startsWith(".") || !existsSync(join(folder, "package.json"))) continue;
        const { version } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
        found.push(`${folder}@${version}`);
        visit(join(folder, "node_modules"));
      }
    }
  };
  visit(nodeModules);
  return found;
}

const cases = [
  { label: "2.x", generation: "2", api: "1.9.1" },
  { label: "3.x", generation: "3", api: "1.10.0" },
] as const;

describe.each(cases)("an app on OpenTelemetry JS $label", ({ generation, api }) => {
  let folder = "";
  beforeAll(async () => {
    folder = await prepareGeneration(`otel-${generation}`);
  }, 300_000);

  it("installs with a plain npm install, adding no @opentelemetry package to the app's tree", () => {
    const nodeModules = join(folder, "node_modules");
    expect(copiesOf(nodeModules, "@opentelemetry/api")).toEqual([
      `${join(nodeModules, "@opentelemetry/api")}@${api}`,
    ]);
    // Every @opentelemetry package installed is one the app's own lock has, at the same place.
    const lock = JSON.parse(readFileSync(join(folder, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    const locked = Object.entries(lock.packages)
      .filter(([path]) => /node_modules\/@opentelemetry\/[^/]+$/.test(path))
      .map(([path, { version }]) => `${join(folder, path)}@${version}`)
      .sort();
    expect(openTelemetryPackages(nodeModules).sort()).toEqual(locked);
    // All that the install added: mcpcat-otel and its three dependencies of no generation.
    const inLock = new Set(
      Object.entries(lock.packages).map(
        ([path, { version }]) => `${join(folder, path)}@${version}`,
      ),
    );
    const added = installedPackages(nodeModules)
      .filter((found) => !inLock.has(found))
      .map((found) => found.slice(nodeModules.length + 1).replace(/@[^@]*$/, ""))
      .sort();
    expect(added).toEqual(["acorn", "agentcat-api", "mcpcat-api", "mcpcat-otel", "undici"]);
  });

  it("records SERVER and CLIENT spans with identity and _meta propagation through the app's NodeSDK, metrics through its meter provider, MCPCat events through its BatchSpanProcessor", async () => {
    const agentcat = await new FakeMcpcatApi().start();
    try {
      const { stdout, stderr } = await run(process.execPath, ["app.mjs"], {
        cwd: folder,
        env: cleanEnv({ FIXTURE_GENERATION: generation, FIXTURE_AGENTCAT_URL: agentcat.url }),
        timeout: 60_000,
      });
      expect(stdout).toBe("");
      const line = stderr.split("\n").find((l) => l.startsWith("REPORT "));
      expect(line, stderr).toBeDefined();
      const report = JSON.parse(line!.slice("REPORT ".length)) as {
        api: string;
        sameApi: boolean;
        spans: {
          name: string;
          kind: number;
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          attributes: Record<string, unknown>;
        }[];
        metrics: string[];
      };
      expect(report.api).toBe(api);
      expect(report.sameApi).toBe(true);
      const named = (name: string) => report.spans.filter((s) => s.name === name);
      const [caller] = named("app.caller");
      const [inside] = named("app.inside-tool");
      const client = named("tools/call echo").find((s) => s.kind === 2);
      const server = named("tools/call echo").find((s) => s.kind === 1);
      expect(client && server && caller && inside, JSON.stringify(report.spans)).toBeTruthy();
      // The CLIENT span is the app's child; the SERVER span continues it through params._meta;
      // the tool's own span is the SERVER span's child.
      expect(client!.parentSpanId).toBe(caller!.spanId);
      expect(server!.traceId).toBe(client!.traceId);
      expect(server!.parentSpanId).toBe(client!.spanId);
      expect(inside!.parentSpanId).toBe(server!.spanId);
      expect(server!.attributes[ATTR_USER_ID]).toBe("alice");
      expect(report.metrics).toEqual(
        expect.arrayContaining([
          METRIC_MCP_SERVER_OPERATION_DURATION,
          METRIC_MCP_CLIENT_OPERATION_DURATION,
        ]),
      );
      const calls = agentcat.events.filter((e) => e.eventType === "mcp:tools/call");
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.some((e) => e.identifyActorGivenId === "alice")).toBe(true);
      expect(agentcat.violations).toEqual([]);
    } finally {
      await agentcat.close();
    }
  }, 90_000);
});
