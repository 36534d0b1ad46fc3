/*
 * Zero-code on an install with only one SDK generation: each folder under installs/ is a user's
 * app with its own package.json and lock (installed here from the registry on first run), and
 * mcpcat-otel copied into its node_modules from dist/, as `npm install mcpcat-otel` would put it.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ATTR_MCPCAT_SERVER_NAME, ATTR_NETWORK_TRANSPORT } from "../../src/semconv.js";
import { cleanEnv, initializeAndCallEcho, ROOT, until } from "../helpers/child.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";

const INSTALLS = fileURLToPath(new URL("./installs/", import.meta.url));

function prepare(folder: string): void {
  if (!existsSync(join(folder, "node_modules", ".package-lock.json"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: folder,
      stdio: "ignore",
      timeout: 180_000,
    });
  }
  const target = join(folder, "node_modules", "mcpcat-otel");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(join(ROOT, "package.json"), join(target, "package.json"));
  cpSync(join(ROOT, "dist"), join(target, "dist"), { recursive: true });
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(() => receiver.close());

const cases = [
  { generation: "v1", absent: /@modelcontextprotocol[\\/](server|client)/ },
  { generation: "v2", absent: /@modelcontextprotocol[\\/]sdk/ },
] as const;

describe.each(cases)("an app with only SDK $generation installed", ({ generation, absent }) => {
  const folder = join(INSTALLS, `only-${generation}`);
  beforeAll(() => prepare(folder), 200_000);

  it.each([
    ["ESM", "--import", "server.mjs"],
    ["CommonJS", "-r", "server.cjs"],
  ])(
    "%s under register: spans for each request, no error or warning about the other generation",
    async (_kind, flag, file) => {
      const child = spawn(process.execPath, [flag, "mcpcat-otel/register", file], {
        cwd: folder,
        env: cleanEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_LOG_LEVEL: "debug",
        }),
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out = { stdout: "", stderr: "" };
      child.stdout.on("data", (chunk: Buffer) => {
        out.stdout += chunk.toString("utf8");
      });
      child.stderr.on("data", (chunk: Buffer) => {
        out.stderr += chunk.toString("utf8");
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await initializeAndCallEcho(child, out);
      child.stdin.end(); // the server ends with its input, flushing spans on the way out
      expect(await exited).toBe(0);

      await until(() => receiver.spans.some((s) => s.name === "tools/call echo"), "the spans");
      const names = receiver.spans.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(["initialize", "tools/call echo"]));
      for (const span of receiver.spans.filter((s) => s.attributes[ATTR_MCPCAT_SERVER_NAME])) {
        expect(span.attributes[ATTR_MCPCAT_SERVER_NAME]).toBe(`only-${generation}`);
        expect(span.attributes[ATTR_NETWORK_TRANSPORT]).toBe("pipe");
      }
      const complaints = out.stderr
        .split("\n")
        .filter((line) => /^\[otel (warn|error)\]/.test(line));
      expect(complaints).toEqual([]);
      expect(out.stderr).not.toMatch(absent);
      // stdout is the protocol's alone: every line is a JSON-RPC message.
      for (const line of out.stdout.split("\n").filter(Boolean))
        expect(JSON.parse(line).jsonrpc).toBe("2.0");
    },
    30_000,
  );
});
