/*
 * Zero-code on an install with only one SDK generation: each folder under installs/ is a user's
 * app with its own package.json and lock (the SDK and the API). It is copied to a temporary
 * folder outside the project (so that nothing of the project's own node_modules, where both
 * generations are, can be resolved), installed from its lock, and given mcpcat-otel from the
 * packed tarball, as `npm install mcpcat-otel` would.
 */
import { spawn } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ATTR_MCPCAT_SERVER_NAME, ATTR_NETWORK_TRANSPORT } from "../../src/semconv.js";
import { cleanEnv, initializeAndCallEcho, until } from "../helpers/child.js";
import { OtlpReceiver } from "../helpers/otlp-receiver.js";
import {
  installFixture,
  outsideFolder,
  packProject,
  removeOutsideInstalls,
} from "../helpers/outside-install.js";

const INSTALLS = fileURLToPath(new URL("./installs/", import.meta.url));

let tarball: Promise<string> | undefined;

/** The fixture as a user's app outside the project, with mcpcat-otel installed in it. */
async function prepare(fixture: string): Promise<string> {
  tarball ??= packProject();
  const folder = outsideFolder(fixture);
  cpSync(join(INSTALLS, fixture), folder, {
    recursive: true,
    filter: (source) => !source.includes("node_modules"),
  });
  await installFixture(folder, await tarball);
  return folder;
}
afterAll(removeOutsideInstalls);

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
  let folder = "";
  beforeAll(async () => {
    folder = await prepare(`only-${generation}`);
  }, 300_000);

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
