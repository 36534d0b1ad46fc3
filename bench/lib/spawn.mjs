// Runs one job in a fresh Node process (`worker.mjs`) and resolves with what it sends back.
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("../worker.mjs", import.meta.url));
// mcpcat writes its log to ~/mcpcat.log: give the workers a HOME of their own.
const HOME = mkdtempSync(join(tmpdir(), "mcpcat-otel-bench-"));

export function runJob(job, { timeoutMs = 300_000, execArgv = [] } = {}) {
  return new Promise((resolve) => {
    let result;
    let stderr = "";
    const child = fork(WORKER, [JSON.stringify(job)], {
      execArgv: ["--expose-gc", ...execArgv],
      env: { ...process.env, HOME },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      result ??= { error: `timed out after ${timeoutMs} ms` };
    }, timeoutMs);
    child.stdout.on("data", (d) => {
      stderr += `[stdout] ${d}`;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("message", (m) => {
      result = m;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      result ??= { error: `worker exited (${signal ?? code}) without a result` };
      if (stderr.trim()) result.stderr = stderr.trim().slice(-2000);
      resolve(result);
    });
  });
}
