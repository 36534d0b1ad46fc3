#!/usr/bin/env node
/**
 * `mcpcat-otel <command> [args...]` (e.g. `npx mcpcat-otel node server.js`): runs the command
 * with `mcpcat-otel/register` preloaded into every Node process it starts, by absolute URL in
 * `NODE_OPTIONS`. MCP clients start stdio servers from a command line, from a cwd where
 * `--import mcpcat-otel/register` would not resolve. stdio is the child's own; the exit code and
 * signals pass through. Writes nothing to stdout.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const [command, ...args] = process.argv.slice(2);
if (!command || command === "--help" || command === "-h") {
  process.stderr.write(
    "usage: mcpcat-otel <command> [args...]   e.g. mcpcat-otel node server.js\n" +
      "Runs the command with mcpcat-otel/register preloaded (NODE_OPTIONS=--import=...).\n",
  );
  process.exit(command ? 0 : 2);
}

const register = fileURLToPath(new URL("./register.mjs", import.meta.url));
if (!existsSync(register)) {
  process.stderr.write(`mcpcat-otel: ${register} is missing; running the command as it is\n`);
}
// A file URL needs no quoting in NODE_OPTIONS, even with spaces in the install path.
const preload = existsSync(register) ? `--import=${pathToFileURL(register).href}` : "";
const nodeOptions = [process.env.NODE_OPTIONS, preload].filter(Boolean).join(" ");
const child = spawn(command, args, {
  stdio: "inherit",
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
  shell: process.platform === "win32", // npx, npm are .cmd files there
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => {
  process.stderr.write(`mcpcat-otel: could not start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  process.removeAllListeners(signal); // end the way the child ended
  process.kill(process.pid, signal);
});
