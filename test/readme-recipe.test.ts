import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, initializeAndCallEcho, ROOT, until } from "./helpers/child.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";

// The README's "Usage with NodeSDK" setup file, copied as a user would copy it, must export
// what it records and keep a stdio server's stdout clean, even at OTEL_LOG_LEVEL=debug.
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

function recipe(): string {
  const section = readme.slice(readme.indexOf("## Usage with NodeSDK"));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  expect(block, "the NodeSDK section has a js block").not.toBeNull();
  return block![1]!;
}

describe("the README's NodeSDK recipe", () => {
  let receiver: OtlpReceiver;
  let dir: string;
  beforeEach(async () => {
    receiver = await new OtlpReceiver().start();
    // Inside the package, so that `mcpcat-otel` resolves to it as it would from node_modules.
    dir = mkdtempSync(path.join(ROOT, "test", ".recipe-"));
  });
  afterEach(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const ending of ["stdin closed", "SIGTERM"] as const) {
    it(`exports the spans and writes only JSON-RPC to stdout (ends by ${ending})`, async () => {
      const file = path.join(dir, "telemetry.mjs");
      writeFileSync(file, recipe());
      const child = spawn(
        process.execPath,
        ["--import", file, path.join(ROOT, "test/fixtures/zero-code-server.mjs")],
        {
          cwd: ROOT,
          env: cleanEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_LOG_LEVEL: "debug",
            OTEL_METRICS_EXPORTER: "none",
            OTEL_LOGS_EXPORTER: "none",
          }),
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      const out = { stdout: "", stderr: "" };
      child.stdout.on("data", (c: Buffer) => {
        out.stdout += c.toString("utf8");
      });
      child.stderr.on("data", (c: Buffer) => {
        out.stderr += c.toString("utf8");
      });
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.on("exit", (code, signal) => resolve(signal ?? code)),
      );
      await until(() => out.stderr.includes("fixture: ready"), "the server to start");
      await initializeAndCallEcho(child, out);
      if (ending === "SIGTERM") child.kill("SIGTERM");
      else child.stdin.end();
      expect(await exited).toBe(ending === "SIGTERM" ? "SIGTERM" : 0);

      const names = receiver.spans.map((span) => span.name).sort();
      expect(names).toEqual(["initialize", "tools/call echo"]);
      for (const line of out.stdout.trim().split("\n")) {
        expect(() => JSON.parse(line), line).not.toThrow();
        expect(JSON.parse(line), line).toMatchObject({ jsonrpc: "2.0" });
      }
    });
  }
});
