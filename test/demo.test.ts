import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, ROOT } from "./helpers/child.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";

const USERS = [
  ["alice", "Alice Liddell"],
  ["bob", "Bob Ross"],
  ["carol", "Carol Danvers"],
];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** `npm run demo -- ...args`, as a user types it. */
function runDemo(args: string[], env: Record<string, string> = {}) {
  const npm = process.env.npm_execpath;
  const child = npm
    ? spawn(process.execPath, [npm, "run", "--silent", "demo", "--", ...args], {
        cwd: ROOT,
        env: cleanEnv(env),
      })
    : spawn("npm", ["run", "--silent", "demo", "--", ...args], {
        cwd: ROOT,
        env: cleanEnv(env),
        shell: true,
      });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

interface OtlpJson {
  resourceSpans: {
    scopeSpans: {
      spans: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[];
    }[];
  }[];
}

describe("npm run demo", () => {
  let receiver: OtlpReceiver;
  let api: FakeMcpcatApi;
  beforeEach(async () => {
    receiver = await new OtlpReceiver().start();
    api = await new FakeMcpcatApi().start();
  });
  afterEach(async () => {
    await Promise.all([receiver.close(), api.close()]);
  });

  it("exits 0, names every user, shows no session id, and writes the spans as OTLP JSON", async () => {
    const { code, stdout, stderr } = await runDemo([]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    for (const [id, name] of USERS) {
      expect(stdout).toContain(`${id} (${name})`); // span table
      expect(stdout).toMatch(new RegExp(`${id}\\s+${name}`)); // event table
    }
    expect(stdout).toContain("none (stateless)");
    expect(stdout).not.toMatch(UUID);
    expect(stdout).not.toContain("PROBLEM");
    expect(stdout).toContain("ERROR tool_error: cannot divide by zero");
    expect(stdout).toContain("ok (client error -32002)");
    expect(stdout).toMatch(/Verified: each of the 13 server spans names its own caller/);

    const file = readFileSync(`${ROOT}demo-output/spans.otlp.json`, "utf8");
    const otlp = JSON.parse(file) as OtlpJson;
    const spans = otlp.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    expect(spans.length).toBeGreaterThanOrEqual(13);
    const userIds = new Set(
      spans.flatMap((s) =>
        s.attributes.filter((a) => a.key === "user.id").map((a) => a.value.stringValue),
      ),
    );
    expect([...userIds].sort()).toEqual(["alice", "bob", "carol"]);
    expect(file).not.toContain("mcp.session.id");
    expect(file).not.toContain("demo-token"); // the bearer tokens identify reads
  });

  it("with --otlp <url>, sends the spans to that collector instead of writing a file", async () => {
    const { code, stdout } = await runDemo(["--otlp", receiver.url]);
    expect(code).toBe(0);
    expect(stdout).toContain(`to the collector at ${receiver.url}`);
    expect(stdout).not.toContain("Wrote");
    expect(receiver.errors).toEqual([]);
    const users = new Set(receiver.spans.map((s) => s.attributes["user.id"]).filter(Boolean));
    expect([...users].sort()).toEqual(["alice", "bob", "carol"]);
    expect(receiver.spans.every((s) => s.encoding === "protobuf")).toBe(true);
  });

  it("with MCPCAT_PROJECT_ID, also delivers the events to MCPCat", async () => {
    const { code, stdout } = await runDemo([], {
      MCPCAT_PROJECT_ID: "proj_demo_test",
      MCPCAT_API_URL: api.url,
    });
    expect(code).toBe(0);
    expect(api.violations).toEqual([]);
    expect(api.accepted.size).toBeGreaterThanOrEqual(13);
    expect(stdout).toContain(
      `MCPCat: ${api.accepted.size} events accepted for project proj_demo_test`,
    );
    for (const body of api.accepted.values()) expect(body.session_id).toBeNull();
  });

  it("says why MCPCat did not accept the events, and exits 1", async () => {
    api.script = () => ({ status: 401, body: '{"error":"unknown project"}' });
    const { code, stdout, stderr } = await runDemo([], {
      MCPCAT_PROJECT_ID: "proj_demo_test",
      MCPCAT_API_URL: api.url,
    });
    expect(code).toBe(1);
    expect(stdout).toContain("MCPCat: 0 events accepted");
    expect(stderr).toMatch(
      /PROBLEM: MCPCat did not accept 13 events\. .*HTTP 401.*unknown project/,
    );
    expect(stdout).not.toContain("Verified:");
  });

  it("fails, and says why, when the collector is unreachable or the arguments are wrong", async () => {
    const gone = await new OtlpReceiver().start();
    const url = gone.url;
    await gone.close();
    const unreachable = await runDemo(["--otlp", url], {
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "1000",
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("Could not send the spans");

    const wrong = await runDemo(["--otlp"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--otlp needs an http(s) URL");
  });
});
