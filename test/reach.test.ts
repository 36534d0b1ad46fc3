/*
 * Reach: an MCP server with its own SDK install in a folder outside the project, started from
 * yet another folder (as MCP clients start stdio servers), preloaded by absolute path or through
 * NODE_OPTIONS. Its SDK copy is resolvable neither from the cwd nor from this package: only the
 * loader hook (and, for CommonJS, the require hook) can reach it.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ATTR_MCPCAT_SERVER_NAME } from "../src/semconv.js";
import { cleanEnv, FIXTURES, ROOT, runToEnd, until } from "./helpers/child.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";
import {
  installFixtureOutside,
  outsideFolder,
  removeOutsideInstalls,
} from "./helpers/outside-install.js";

const REGISTER_ESM = join(ROOT, "dist", "register.mjs");
const REGISTER_CJS = join(ROOT, "dist", "register.cjs");
const CLI = join(ROOT, "dist", "cli.mjs");
let serverDir: string;
let elsewhere: string;
beforeAll(async () => {
  serverDir = await installFixtureOutside("sdk-1.32");
  for (const file of ["zero-code-server.mjs", "zero-code-server.cjs"]) {
    copyFileSync(join(FIXTURES, file), join(serverDir, file));
  }
  elsewhere = join(outsideFolder("cwd"), "somewhere else");
  mkdirSync(elsewhere);
}, 240_000);
afterAll(removeOutsideInstalls);

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(() => receiver.close());

const otlpEnv = () => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_METRICS_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "50",
});

describe("a server installed outside the project, started from another cwd, is traced", () => {
  const cases: [string, (server: string) => { args: string[]; env: Record<string, string> }][] = [
    ["ESM, --import by absolute path", (s) => ({ args: ["--import", REGISTER_ESM, s], env: {} })],
    ["CommonJS, -r by absolute path", (s) => ({ args: ["-r", REGISTER_CJS, s], env: {} })],
    [
      "ESM, NODE_OPTIONS=--import",
      (s) => ({ args: [s], env: { NODE_OPTIONS: `--import=${JSON.stringify(REGISTER_ESM)}` } }),
    ],
    [
      "CommonJS, NODE_OPTIONS=-r",
      (s) => ({ args: [s], env: { NODE_OPTIONS: `--require=${JSON.stringify(REGISTER_CJS)}` } }),
    ],
    [
      "ESM, through the mcpcat-otel command",
      (s) => ({ args: [CLI, process.execPath, s], env: {} }),
    ],
    [
      "CommonJS, through the mcpcat-otel command (it preloads with --import)",
      (s) => ({ args: [CLI, process.execPath, s], env: {} }),
    ],
    [
      "ESM, the app's own NodeSDK with McpInstrumentation, preloaded by path (no register)",
      (s) => ({ args: ["--import", join(FIXTURES, "otel-setup.mjs"), s], env: {} }),
    ],
  ];
  for (const [title, how] of cases) {
    it(title, async () => {
      const server = join(
        serverDir,
        title.startsWith("ESM") ? "zero-code-server.mjs" : "zero-code-server.cjs",
      );
      const { args, env } = how(server);
      const transport = new StdioClientTransport({
        command: process.execPath,
        args,
        cwd: elsewhere,
        env: cleanEnv({ ...otlpEnv(), ...env, OTEL_SERVICE_NAME: "outside" }),
        stderr: "pipe",
      });
      let stderr = "";
      transport.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const client = new Client({ name: "reach-client", version: "1.0.0" });
      await client.connect(transport);
      await client.callTool({ name: "echo", arguments: { text: "far away" } });
      const serverSpans = () => receiver.spans.filter((span) => span.kind === 2);
      await until(() => serverSpans().length >= 2, "SERVER spans at the receiver");
      await client.close();
      expect(serverSpans().map((span) => span.name)).toEqual(["initialize", "tools/call echo"]);
      for (const span of serverSpans()) {
        // otel-setup.mjs names its service in code, which wins over OTEL_SERVICE_NAME.
        expect(span.resource["service.name"]).toBe(
          title.includes("own NodeSDK") ? "fixture" : "outside",
        );
        expect(span.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe("register-fixture");
      }
      expect(stderr).not.toMatch(/\[otel (error|warn)\]/);
    });
  }
});

describe("McpInstrumentation in the app's own NodeSDK, made after the SDK was imported", () => {
  const run = (preload: string[]) =>
    runToEnd([...preload, join(FIXTURES, "late-sdk.mjs")], {
      ...cleanEnv(otlpEnv()),
      FIXTURE_SDK_DIR: join(serverDir, "node_modules", "@modelcontextprotocol", "sdk"),
    });

  it("is traced when `mcpcat-otel/hook` was preloaded", async () => {
    const result = await run(["--import", "mcpcat-otel/hook"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    await until(() => receiver.spans.filter((s) => s.kind === 2).length >= 2, "SERVER spans");
    expect(receiver.spans.filter((s) => s.kind === 2).map((s) => s.name)).toEqual([
      "initialize",
      "tools/call add",
    ]);
  });

  it("is not traced without it (what docs/reach.md says)", async () => {
    const result = await run([]);
    expect(result.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.spans).toEqual([]);
  });
});
