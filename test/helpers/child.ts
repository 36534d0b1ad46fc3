/*
 * Child processes for the tests, all in one place: `runToEnd` runs a `node` command to its end,
 * `startNode` starts one and keeps it (its output collected as it comes), and the stdio MCP
 * fixtures under `mcpcat-otel/register` are reached through a real `StdioClientTransport`
 * (`connectStdio`) or as bare processes for byte-level checks (`spawnRaw`).
 */
import {
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  execFile,
  spawn,
} from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/**
 * Runs `node ...args` in the fixtures folder to its end, with the test runner's environment
 * plus `env`; resolves with its exit code and output.
 */
export function runToEnd(args: string[], env: Record<string, string>, timeoutMs = 20_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: FIXTURES, env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A child process started by {@link startNode}, its output so far, and how it ended. */
export interface Running {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node ...args` at the repository root with {@link cleanEnv}`(env)` and keeps it:
 * its output is collected as it comes. `stdin: "pipe"` to write to it.
 */
export function startNode(
  args: string[],
  env: Record<string, string>,
  stdin: "ignore" | "pipe" = "ignore",
): Running {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: [stdin, "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (c: Buffer) => {
    out.stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    out.stderr += c.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

/** The test runner's environment without anything that would configure the child. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(OTEL_|MCPCAT_|FIXTURE_)/.test(key) || key === "NODE_OPTIONS") {
      continue;
    }
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Resolves when `check()` holds, polling; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// --- the stdio server with no telemetry code of its own, under `mcpcat-otel/register` ---

export type ModuleKind = "esm" | "cjs";

/** `node` arguments that load the built register entry the way a user would. */
export function registerArgs(kind: ModuleKind): string[] {
  return kind === "esm"
    ? ["--import", "mcpcat-otel/register", `${FIXTURES}zero-code-server.mjs`]
    : ["-r", "mcpcat-otel/register", `${FIXTURES}zero-code-server.cjs`];
}

/** A real `Client` over a real `StdioClientTransport` to the fixture run under register. */
export async function connectStdio(kind: ModuleKind, env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: registerArgs(kind),
    env: cleanEnv(env),
    cwd: ROOT,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "register-test-client", version: "0.0.1" });
  const clientErrors: Error[] = [];
  client.onerror = (error) => clientErrors.push(error);
  await client.connect(transport);
  return { client, transport, clientErrors, stderr: () => stderr };
}

/** The fixture as a bare child process, for byte-level checks of its stdout. */
export function spawnRaw(kind: ModuleKind, env: Record<string, string>) {
  return startNode(registerArgs(kind), env, "pipe") as Running & {
    child: ChildProcessWithoutNullStreams;
  };
}

/** Sends one JSON-RPC message as a line, as the stdio transport frames them. */
export function send(child: ChildProcess, message: Record<string, unknown>): void {
  child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

/** Initializes the fixture over raw stdio and calls `echo` once, waiting for each answer. */
export async function initializeAndCallEcho(child: ChildProcess, out: { stdout: string }) {
  send(child, {
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw", version: "1" },
    },
  });
  await until(() => out.stdout.includes('"id":0'), "the initialize response");
  send(child, { method: "notifications/initialized" });
  send(child, { id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } });
  await until(() => out.stdout.includes('"id":1'), "the tools/call response");
}
