/*
 * Bundled SDK copies: stdio servers whose SDK (v1 1.32.2, v2 2.0.0) is inlined into one file by
 * esbuild (plain and minified) and bun, as ESM and CommonJS, from test/bundles (its own locked
 * install, built once per run outside the project). Each bundle runs from a folder with no
 * node_modules, started from another cwd: under `register` it must answer as it does plain, with
 * SERVER spans for initialize, tools/list and tools/call. `instrument()` is proven on a bundle the
 * hooks never saw; a shape the hook does not recognise runs untouched, with one diag line.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_SERVER_NAME,
} from "../src/semconv.js";
import { cleanEnv, FIXTURES, ROOT, runToEnd, until } from "./helpers/child.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";
import { installFixture, outsideFolder, removeOutsideInstalls } from "./helpers/outside-install.js";

const run = promisify(execFile);
const HERE = join(ROOT, "test", "bundles");
const REGISTER_ESM = join(ROOT, "dist", "register.mjs");
const REGISTER_CJS = join(ROOT, "dist", "register.cjs");

type Bundler = "esbuild" | "esbuild-min" | "bun";
const BUNDLERS: Bundler[] = ["esbuild", "esbuild-min", "bun"];
let bundles: string; // the built bundles, in a folder with no node_modules
let elsewhere: string; // the cwd the servers are started from

/** Builds `entry` (a file of test/bundles) into `out` with the fixture's own bundlers. */
async function build(
  installed: string,
  bundler: Bundler,
  entry: string,
  format: string,
  out: string,
) {
  const bin = (name: string) => join(installed, "node_modules", ".bin", name);
  if (bundler === "bun") {
    await run(
      bin("bun"),
      ["build", entry, "--target=node", `--format=${format}`, `--outfile=${out}`],
      {
        cwd: installed,
      },
    );
    return;
  }
  const minify = bundler === "esbuild-min" ? ["--minify"] : [];
  await run(
    bin("esbuild"),
    [
      entry,
      "--bundle",
      "--platform=node",
      `--format=${format}`,
      `--outfile=${out}`,
      ...minify,
      "--log-level=warning",
    ],
    { cwd: installed },
  );
}

beforeAll(async () => {
  const installed = outsideFolder("bundles");
  for (const file of [
    "package.json",
    "package-lock.json",
    "server-v1.js",
    "server-v2.js",
    "parts-v1.js",
    "parts-v2.js",
  ])
    copyFileSync(join(HERE, file), join(installed, file));
  await installFixture(installed);
  bundles = outsideFolder("bundled");
  const builds: Promise<void>[] = [];
  for (const bundler of BUNDLERS)
    for (const generation of ["v1", "v2"])
      for (const format of ["esm", "cjs"])
        builds.push(
          build(
            installed,
            bundler,
            `server-${generation}.js`,
            format,
            join(bundles, bundleName(bundler, generation, format)),
          ),
        );
  for (const generation of ["v1", "v2"])
    builds.push(
      build(
        installed,
        "esbuild",
        `parts-${generation}.js`,
        "esm",
        join(bundles, `parts-${generation}.mjs`),
      ),
    );
  await Promise.all(builds);
  copyFileSync(join(HERE, "odd-shape.cjs"), join(bundles, "odd-shape.cjs"));
  // Where the SDK's own example servers are published: a bundle under @modelcontextprotocol/.
  const example = join(bundles, "node_modules", "@modelcontextprotocol", "server-example", "dist");
  mkdirSync(example, { recursive: true });
  copyFileSync(join(bundles, bundleName("bun", "v2", "esm")), join(example, "index.mjs"));
  elsewhere = join(outsideFolder("cwd"), "another folder");
  mkdirSync(elsewhere);
}, 300_000);
afterAll(removeOutsideInstalls);

function bundleName(bundler: string, generation: string, format: string) {
  return `${bundler}-${generation}.${format === "esm" ? "mjs" : "cjs"}`;
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(() => receiver.close());

/** Starts `node ...args` over stdio from another cwd; lists tools and calls `tool` twice. */
async function exercise(args: string[], tool = "echo") {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: elsewhere,
    env: cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      OTEL_SERVICE_NAME: "bundled",
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "bundle-client", version: "1.2.3" });
  await client.connect(transport);
  const answers = [
    await client.listTools(),
    await client.callTool({ name: tool, arguments: { text: "one" } }),
    await client.callTool({ name: tool, arguments: { text: "two" } }),
  ];
  return { client, answers, stderr: () => stderr };
}

const serverSpans = () => receiver.spans.filter((span) => span.kind === 2);

describe("a bundled SDK copy is traced under register, from another cwd", () => {
  type Case = [Bundler, string, "esm" | "cjs", "--import" | "-r"];
  const cases = BUNDLERS.flatMap((bundler) =>
    ["v1", "v2"].flatMap((generation): Case[] => [
      [bundler, generation, "esm", "--import"],
      [bundler, generation, "cjs", "-r"],
    ]),
  );
  // One CommonJS bundle under --import too: the ESM register entry reaches `require`d code.
  cases.push(["esbuild", "v1", "cjs", "--import"]);
  it.each(cases)(
    "%s, SDK %s, %s bundle, %s register",
    async (bundler, generation, format, flag) => {
      const bundle = join(bundles, bundleName(bundler, generation, format));
      const plain = await exercise([bundle]);
      await plain.client.close();
      expect(receiver.spans).toEqual([]);

      const register = flag === "-r" ? REGISTER_CJS : REGISTER_ESM;
      const traced = await exercise([flag, register, bundle]);
      await until(() => serverSpans().length >= 4, "SERVER spans at the receiver");
      await traced.client.close();
      expect(traced.answers).toEqual(plain.answers);
      expect(traced.answers[1]).toMatchObject({ content: [{ text: `${generation} one` }] });
      expect(serverSpans().map((span) => span.name)).toEqual([
        "initialize",
        "tools/list",
        "tools/call echo",
        "tools/call echo",
      ]);
      const sessions = new Set<unknown>();
      const ids = new Set<unknown>();
      for (const span of serverSpans()) {
        expect(span.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe(`bundled-${generation}`);
        expect(span.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe("bundle-client");
        sessions.add(span.attributes[ATTR_MCP_SESSION_ID]);
        ids.add(span.attributes[ATTR_JSONRPC_REQUEST_ID]);
      }
      expect(sessions.size).toBe(1); // one connection, one session id on each request's span
      expect(ids.size).toBe(4); // each span is its own request
      expect(traced.stderr()).not.toMatch(/\[otel (error|warn)\]/);
    },
  );
});

it("a bundle published under @modelcontextprotocol/ (as the SDK's example servers are) is traced", async () => {
  const bundle = join(bundles, "node_modules/@modelcontextprotocol/server-example/dist/index.mjs");
  const traced = await exercise(["--import", REGISTER_ESM, bundle]);
  await until(() => serverSpans().length >= 4, "SERVER spans at the receiver");
  await traced.client.close();
  expect(serverSpans().map((span) => span.name)).toEqual([
    "initialize",
    "tools/list",
    "tools/call echo",
    "tools/call echo",
  ]);
});

it("a published bundled server (the SDK's system-monitor example, 2.0.3: bun, SDK v2 2.0.0) is traced", async () => {
  const dir = outsideFolder("published");
  for (const file of ["package.json", "package-lock.json"])
    copyFileSync(join(HERE, "published", file), join(dir, file));
  await installFixture(dir);
  const server = join(
    dir,
    "node_modules/@modelcontextprotocol/server-system-monitor/dist/index.js",
  );
  const plain = await exercise([server, "--stdio"], "get-system-info");
  await plain.client.close();
  expect(receiver.spans).toEqual([]);
  const traced = await exercise(["--import", REGISTER_ESM, server, "--stdio"], "get-system-info");
  await until(() => serverSpans().length >= 4, "SERVER spans at the receiver");
  await traced.client.close();
  expect(traced.answers[0]).toEqual(plain.answers[0]);
  expect(serverSpans().map((span) => span.name)).toEqual([
    "initialize",
    "tools/list",
    "tools/call get-system-info",
    "tools/call get-system-info",
  ]);
  expect(traced.stderr()).not.toMatch(/\[otel (error|warn)\]/);
}, 240_000);

describe("a bundle whose SDK shape is not recognised", () => {
  it("runs untouched, and register says so once, naming the file", async () => {
    const file = join(bundles, "odd-shape.cjs");
    const plain = await runToEnd([file], cleanEnv({}));
    const traced = await runToEnd(
      ["-r", REGISTER_CJS, file],
      cleanEnv({ OTEL_TRACES_EXPORTER: "none" }),
    );
    expect(plain).toMatchObject({ code: 0, stderr: "" });
    expect(traced.stdout).toBe(plain.stdout);
    expect(traced.code).toBe(0);
    const lines = traced.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[otel warn\] .*odd-shape\.cjs seems to bundle the MCP SDK, left untouched and not traced: /,
    );
  });
});

describe("McpInstrumentation.instrument() on a bundled SDK the hooks never saw", () => {
  it.each(["v1", "v2"])(
    "SDK %s: spans once handed over, idempotent, undone by disable()",
    async (generation) => {
      const result = await runToEnd([join(FIXTURES, "instrument-bundled.mjs")], {
        ...cleanEnv({}),
        FIXTURE_BUNDLE: join(bundles, `parts-${generation}.mjs`),
      });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({
        before: [], // the bundle loaded before the instrumentation: no hook saw it
        instrumented: [true, true, true], // McpServer, its Server, the Client: the same copy
        after: ["tools/call echo user=alice"], // once each: instrumenting again wrapped nothing twice
        second: ["initialize user=alice", "tools/call echo user=bob"],
        bad: [false, false],
        badWarnings: [
          expect.stringMatching(/instrument\(\): not an MCP Server, McpServer or Client/),
          expect.stringMatching(
            /instrument\(\): expected an MCP Server, McpServer or Client, got null/,
          ),
        ],
        disabled: [],
      });
    },
  );
});
