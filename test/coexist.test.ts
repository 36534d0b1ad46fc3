/*
 * `register` beside a server that traces itself with Sentry (`@sentry/node` 10, OpenTelemetry JS
 * 2.x based, as `@sentry/mcp-server` 0.39 is; initialised in the server's main module). The server is a user's app with its own package.json and lock
 * (coexist/sentry), copied outside the project, installed from its lock, and given mcpcat-otel
 * from the packed tarball. Run plain and under `--import mcpcat-otel/register` over stdio, its
 * Sentry transactions must arrive the same; MCP spans go to register's OTLP destination.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { cleanEnv, until } from "./helpers/child.js";
import { OtlpReceiver, otlpJsonTracesTo } from "./helpers/otlp-receiver.js";
import {
  installFixture,
  outsideFolder,
  packProject,
  removeOutsideInstalls,
} from "./helpers/outside-install.js";
import { SentryReceiver } from "./helpers/sentry-receiver.js";

const FIXTURE = fileURLToPath(new URL("./coexist/sentry/", import.meta.url));
let folder = "";
beforeAll(async () => {
  folder = outsideFolder("sentry-server");
  for (const file of ["package.json", "package-lock.json", "server.mjs"]) {
    copyFileSync(join(FIXTURE, file), join(folder, file));
  }
  await installFixture(folder, await packProject());
}, 300_000);
afterAll(removeOutsideInstalls, 120_000);

let otlp: OtlpReceiver;
beforeEach(async () => {
  otlp = await new OtlpReceiver().start();
});
afterEach(() => otlp.close());

/** Runs the server (plain, or with `preload`), calls its tool twice, closes it. */
async function runSentryServer(preload: string[], sentry: SentryReceiver) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...preload, "server.mjs"],
    cwd: folder,
    env: cleanEnv({ FIXTURE_SENTRY_DSN: sentry.dsn, ...otlpJsonTracesTo(otlp) }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "sentry-test", version: "0.0.1" });
  await client.connect(transport);
  for (let i = 0; i < 2; i++) {
    const result = await client.callTool({ name: "work", arguments: {} });
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
  }
  await client.close();
  await until(() => sentry.transactions.length >= 2, "Sentry transactions", 15_000);
  await new Promise((resolve) => setTimeout(resolve, 500)); // anything more would have come
  return { stderr };
}

it("a server that initialises Sentry in its main module sends the same transactions under register; MCP spans go to register's exporter", async () => {
  const plainSentry = await new SentryReceiver().start();
  const registeredSentry = await new SentryReceiver().start();
  try {
    await runSentryServer([], plainSentry);
    expect(otlp.spans).toEqual([]);
    const registered = await runSentryServer(
      ["--import", "mcpcat-otel/register"],
      registeredSentry,
    );
    // Each tool call's Sentry span is a transaction of its own, as without register (under our
    // SERVER span, which Sentry never receives, Sentry would drop it).
    expect(plainSentry.spans).toEqual(["app.work", "app.work"]);
    expect(registeredSentry.spans.sort()).toEqual(plainSentry.spans.sort());
    expect(registeredSentry.errors).toEqual([]);
    expect(registered.stderr).not.toMatch(/duplicate registration|error/i);
    await until(
      () => otlp.spans.filter((s) => s.name === "tools/call work" && s.kind === 2).length === 2,
      "MCP SERVER spans at register's destination",
    );
  } finally {
    await plainSentry.close();
    await registeredSentry.close();
  }
}, 120_000);
