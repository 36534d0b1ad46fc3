import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, FIXTURES, ROOT } from "./helpers/child.js";
import { FakeMcpcatApi } from "./helpers/fake-mcpcat-api.js";

// The README's "Coming from AgentCat's SDK" setup file, run as a user would copy it: each
// option it maps from `track()` must do what the README says, into the AgentCat stand-in.
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

function recipe(): string {
  const section = readme.slice(readme.indexOf("## Coming from AgentCat's SDK"));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  expect(block, "the section has a js block").not.toBeNull();
  return block![1]!;
}

describe("the README's AgentCat mapping", () => {
  let api: FakeMcpcatApi;
  let dir: string;
  beforeEach(async () => {
    api = await new FakeMcpcatApi().start();
    // Inside the package, so that `mcpcat-otel` resolves to it as it would from node_modules.
    dir = mkdtempSync(path.join(ROOT, "test", ".recipe-"));
  });
  afterEach(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("identify, redact, toolCallContext, reportMissing, redactEvent and custom events", async () => {
    const file = path.join(dir, "telemetry.mjs");
    writeFileSync(file, recipe());
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", file, path.join(FIXTURES, "agentcat-server.mjs")],
      cwd: ROOT,
      env: cleanEnv({
        AGENTCAT_PROJECT_ID: "proj_readme",
        AGENTCAT_API_URL: api.url,
        OTEL_METRICS_EXPORTER: "none",
        OTEL_LOGS_EXPORTER: "none",
      }),
      stderr: "pipe",
    });
    const client = new Client({ name: "readme-client", version: "1.0.0" });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    const { tools } = await client.listTools();
    const echo = tools.find((tool) => tool.name === "echo")!;
    expect(echo.inputSchema.required).toEqual(["text", "context"]);
    expect(tools.map((tool) => tool.name)).toEqual(["echo", "admin", "get_more_tools"]);
    const echoed = await client.callTool({
      name: "echo",
      arguments: { text: "hi", context: "Testing the key sk-abc123 for the user." },
    });
    expect(echoed.content).toEqual([{ type: "text", text: "hi" }]);
    await client.callTool({ name: "admin", arguments: { context: "Admin work." } });
    await client.callTool({ name: "get_more_tools", arguments: { context: "Needs a PDF tool." } });
    await client.close(); // ends stdin: the process exits, and its shutdown sends the events
    await api.waitForAccepted(5);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(errors).toEqual([]);
    expect(api.violations).toEqual([]);
    const events = api.events.map((e) => [e.eventType, e.resourceName, e.userIntent]);
    expect(events).toEqual(
      expect.arrayContaining([
        ["mcp:tools/call", "echo", "Testing the key [key] for the user."],
        ["agentcat:custom", "echoed", "echoed hi"],
        ["mcp:tools/call", "get_more_tools", "Needs a PDF tool."],
      ]),
    );
    // redactEvent dropped the admin tool's event.
    expect(api.events.filter((e) => e.resourceName === "admin")).toEqual([]);
    expect(api.events.every((e) => e.projectId === "proj_readme")).toBe(true);
    const custom = api.events.find((e) => String(e.eventType) === "agentcat:custom")!;
    expect(custom.identifyActorGivenId).toBe("anonymous");
    expect(custom.sessionId).toEqual(expect.any(String));
  });
});
