import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ROOT } from "../helpers/child.js";
import { FakeMcpcatApi } from "../helpers/fake-mcpcat-api.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";

// Bug 8: a stdio server's stdout is its JSON-RPC channel. Every example that is (or preloads
// into) a stdio server runs here at OTEL_LOG_LEVEL=debug; stdout must carry JSON-RPC only.
const PRELOADS = [
  ["--import", "mcpcat-otel/register"],
  ["--import", "./examples/sdk-otlp.ts"],
  ["--import", "./examples/sdk-mcpcat.ts"],
  ["--import", "./examples/sdk-both.ts"],
];

// The README's own recipe is run, the same way, by test/readme-recipe.test.ts.

let receiver: OtlpReceiver;
let api: FakeMcpcatApi;
beforeAll(async () => {
  receiver = await new OtlpReceiver().start();
  api = await new FakeMcpcatApi().start();
});
afterAll(async () => {
  await Promise.all([receiver.close(), api.close()]);
});

const MESSAGES = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    },
  },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
  {
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "add", arguments: { a: 2, b: 3 } },
  },
  {
    jsonrpc: "2.0",
    id: 4,
    method: "tools/call",
    params: { name: "divide", arguments: { a: 1, b: 0 } },
  },
];

/** Runs the server, sends the messages, waits for the 4 responses, ends stdin; returns stdout. */
function runStdio(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...args, "examples/stdio-server.ts"], {
    cwd: ROOT,
    env: cleanEnv({
      OTEL_LOG_LEVEL: "debug",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "50",
      MCPCAT_PROJECT_ID: "proj_stdout",
      MCPCAT_API_URL: api.url,
    }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no answer:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if ((stdout.match(/"id":[1-4]\b/g) ?? []).length >= 4) child.stdin.end();
    });
    child.on("exit", () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    for (const message of MESSAGES) child.stdin.write(`${JSON.stringify(message)}\n`);
  });
}

describe("bug 8: stdout carries JSON-RPC only, with OTEL_LOG_LEVEL=debug", () => {
  for (const preload of PRELOADS) {
    it(`examples/stdio-server.ts under ${preload.join(" ")}`, async () => {
      const { stdout, stderr } = await runStdio(preload);
      const lines = stdout.split("\n").filter((line) => line !== "");
      const notJsonRpc = lines.filter((line) => {
        try {
          return JSON.parse(line).jsonrpc !== "2.0";
        } catch {
          return true;
        }
      });
      expect(notJsonRpc).toEqual([]);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      // The diagnostics were not lost: they went to stderr.
      expect(stderr).toMatch(/debug|Registered|otel/i);
    });
  }
});
